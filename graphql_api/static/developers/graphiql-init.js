// GraphiQL against this district's /graphql/ (same origin). The key stays in the browser: it is read
// from the key field (or the headers editor's "Authorization") for each request and sent as the
// Authorization header. The server never stores it and it never goes into a URL; it is kept in this
// browser's localStorage only while "在本浏览器记住" is ticked (off by default).
//
// GraphiQL loads the schema once, when it mounts, and again whenever it is given a new fetcher
// (its introspection depends on the fetcher). So when the Authorization header changes, 800 ms
// after the typing stops, the page hands it a new fetcher: the docs then reflect the key without
// the "re-fetch schema" button.
(function () {
  "use strict";
  var REMEMBERED = "credit-developers:api-key";
  var SETTLE_MS = 800;
  var INTROSPECTION = "IntrospectionQuery";

  var endpoint = document.getElementById("endpoint").value;
  var keyInput = document.getElementById("credit-key");
  var remember = document.getElementById("credit-key-remember");
  var status = document.getElementById("credit-key-status");

  function browserStorage() {
    try {
      var store = window.localStorage;
      store.getItem(REMEMBERED);
      return store;
    } catch (unavailable) {
      return null; // storage disabled (private mode, policy): nothing is remembered
    }
  }
  var store = browserStorage();

  function typedKey() {
    return keyInput.value.trim();
  }

  function fromKey(key) {
    // Accept both "ck_…" and a pasted "Bearer ck_…".
    return "Bearer " + key.replace(/^bearer\s+/i, "");
  }

  function fromEditor(text) {
    var parsed;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch (invalid) {
      return null; // half-typed JSON: no change yet
    }
    if (!parsed || typeof parsed !== "object") {
      return "";
    }
    var names = Object.keys(parsed);
    for (var i = 0; i < names.length; i++) {
      if (names[i].toLowerCase() === "authorization") {
        return String(parsed[names[i]]).trim();
      }
    }
    return "";
  }

  // The headers editor's Authorization, as GraphiQL last reported the editor's text.
  var editorAuthorization = "";

  // The Authorization header requests carry now: the key field wins over the headers editor.
  function authorization() {
    var key = typedKey();
    return key ? fromKey(key) : editorAuthorization;
  }

  function say(text) {
    status.textContent = text;
  }

  // GraphiQL writes a failed schema load into the response pane and leaves it there once a later
  // load succeeds: clear it then, if the pane still shows exactly that refusal.
  var refusal = null;
  function clearRefusal() {
    var shown = document.querySelector(".result-window .CodeMirror");
    var editor = shown && shown.CodeMirror;
    if (!editor || refusal === null) {
      return;
    }
    try {
      if (JSON.stringify(JSON.parse(editor.getValue())) === refusal) {
        editor.setValue("");
      }
    } catch (notJson) {
      // the pane shows something else (a query's answer): keep it
    }
    refusal = null;
  }

  function fetcher(params, opts) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    var extra = (opts && opts.headers) || {};
    Object.keys(extra).forEach(function (name) {
      if (name.toLowerCase() !== "authorization") {
        headers[name] = String(extra[name]);
      }
    });
    var sent = authorization();
    if (sent) {
      headers.Authorization = sent;
    }
    var introspecting = params && params.operationName === INTROSPECTION;
    var answer = fetch(endpoint, {
      method: "POST",
      headers: headers,
      body: JSON.stringify(params),
      credentials: "omit",
    }).then(function (response) {
      return response.json();
    });
    if (introspecting) {
      answer.then(
        function (result) {
          if (result && result.data && result.data.__schema) {
            say(sent ? "已按当前密钥加载接口文档。" : "已加载接口文档。");
            clearRefusal();
          } else {
            refusal = JSON.stringify(result);
            var first = result && result.errors && result.errors[0];
            say("未能加载接口文档" + (first && first.message ? "：" + first.message : "。"));
          }
        },
        function () {
          say("未能加载接口文档：无法连接接口地址。");
        }
      );
    }
    return answer;
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  var introspectedWith = authorization();
  var settling = null;

  function render() {
    root.render(
      React.createElement(GraphiQL, {
        // A new function on each render: GraphiQL introspects again with it.
        fetcher: function (params, opts) {
          return fetcher(params, opts);
        },
        defaultQuery: "{ __typename }\n",
        shouldPersistHeaders: false,
        onEditHeaders: editedHeaders,
      })
    );
  }

  function authorizationMayHaveChanged() {
    clearTimeout(settling);
    settling = setTimeout(function () {
      var now = authorization();
      if (now !== introspectedWith) {
        introspectedWith = now;
        say("正在按新的请求头重新加载接口文档……");
        render();
      }
    }, SETTLE_MS);
  }

  function editedHeaders(text) {
    var found = fromEditor(text);
    if (found !== null) {
      editorAuthorization = found;
      authorizationMayHaveChanged();
    }
  }

  function keep() {
    if (!store) {
      return;
    }
    if (remember.checked && typedKey()) {
      store.setItem(REMEMBERED, typedKey());
    } else {
      store.removeItem(REMEMBERED);
    }
  }

  if (store) {
    var saved = store.getItem(REMEMBERED);
    if (saved) {
      keyInput.value = saved;
      remember.checked = true;
      introspectedWith = authorization();
    }
  } else {
    remember.disabled = true;
  }

  keyInput.addEventListener("input", function () {
    keep();
    authorizationMayHaveChanged();
  });
  remember.addEventListener("change", keep);

  render();
})();
