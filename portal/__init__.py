"""The district's public portal (信用<区县>): one module of views per concern (home, search, lists,
articles, remedies, submissions, reports, statistics, offers) and the error pages of both URL
confs. Only what the law makes public; templates in portal_theme/templates/portal_theme/portal/.
The staff console is `console/`; what both use is `portal_theme/`."""
