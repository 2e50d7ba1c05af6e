"""Districts and their domains, onboarding by schema cloning, and the district lifecycle."""
