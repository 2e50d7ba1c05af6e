// The article form's rich-text editor: while the format is 富文本, pell (vendored, see
// vendor/pell/README.md) edits the body and its HTML goes back into the body textarea on submit;
// the server keeps only allow-listed markup. For Markdown, or without JavaScript, the textarea
// itself is the editor.
(function () {
  var form = document.querySelector("form[data-article-editor]");
  if (!form || !window.pell) return;
  var format = form.elements.namedItem("body_format");
  var textarea = form.querySelector("textarea[data-article-body]");
  if (!format || !textarea) return;
  var RICH = "html";
  var actions = [
    { name: "bold", title: "加粗" },
    { name: "italic", title: "斜体" },
    { name: "underline", title: "下划线" },
    { name: "heading2", icon: "<b>H</b>", title: "标题" },
    { name: "paragraph", title: "段落" },
    { name: "quote", title: "引用" },
    { name: "olist", title: "有序列表" },
    { name: "ulist", title: "无序列表" },
    {
      name: "link", title: "链接",
      result: function () {
        var url = window.prompt("请输入链接地址（以 https://、http:// 或 mailto: 开头）", "https://");
        if (url && /^(https?:|mailto:)/i.test(url.trim())) window.pell.exec("createLink", url.trim());
      }
    }
  ];
  var holder = null;

  function mount() {
    if (holder) return;
    holder = document.createElement("div");
    holder.className = "article-editor";
    textarea.parentNode.insertBefore(holder, textarea);
    window.pell.init({
      element: holder, actions: actions, defaultParagraphSeparator: "p",
      onChange: function (html) { textarea.value = html; }
    });
    holder.content.setAttribute("role", "textbox");
    holder.content.setAttribute("aria-multiline", "true");
    holder.content.setAttribute("aria-label", "正文");
    // The stored body was sanitised by the server; Markdown brought over is shown as plain text.
    if (textarea.dataset.format === RICH) holder.content.innerHTML = textarea.value;
    else holder.content.innerText = textarea.value;
    textarea.hidden = true;
    textarea.required = false;  // a hidden required field would block the submit unexplained
  }

  function unmount() {
    if (!holder) return;
    textarea.value = holder.content.innerText;  // back to Markdown: the words, without markup
    holder.parentNode.removeChild(holder);
    holder = null;
    textarea.hidden = false;
    textarea.required = true;
  }

  function follow() {
    if (format.value === RICH) mount(); else unmount();
    textarea.dataset.format = format.value;
  }

  textarea.dataset.format = format.value;
  format.addEventListener("change", follow);
  form.addEventListener("submit", function () {
    if (holder) textarea.value = holder.content.innerHTML;
  });
  follow();
})();
