// GraphiQL against this district's /graphql/ (same origin). The key stays in the page: it is read
// from the input for each request and sent as the Authorization header, never stored.
(function () {
  "use strict";
  var endpoint = document.getElementById("endpoint").value;
  var keyInput = document.getElementById("credit-key");

  function fetcher(params) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    var key = keyInput.value.trim();
    if (key) {
      headers.Authorization = "Bearer " + key;
    }
    return fetch(endpoint, {
      method: "POST",
      headers: headers,
      body: JSON.stringify(params),
      credentials: "omit",
    }).then(function (response) {
      return response.json();
    });
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  function render() {
    root.render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        defaultQuery: "{ __typename }\n",
        shouldPersistHeaders: false,
        isHeadersEditorEnabled: false,
      })
    );
  }
  render();
  // After pasting a key, GraphiQL's "re-fetch schema" button loads the docs: anonymous callers
  // may not introspect in production.
})();
