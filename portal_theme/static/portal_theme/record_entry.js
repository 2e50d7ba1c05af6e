// The record entry form: the data source unit follows the chosen department (an upstream
// platform's imports may name other bodies there), and so does the deciding body while it still
// names the department chosen before.
(function () {
  var form = document.querySelector("form[data-testid=record-entry]");
  var list = document.getElementById("entry-departments");
  if (!form || !list) return;
  var departments = {};
  JSON.parse(list.textContent).forEach(function (d) { departments[String(d.id)] = d; });
  var select = form.elements.namedItem("department");
  var source = form.dataset.source.split(" ").map(function (n) { return form.elements.namedItem(n); });
  var authority = form.dataset.authority.split(" ").map(function (n) { return form.elements.namedItem(n); });
  if (!select || source.indexOf(null) >= 0 || authority.indexOf(null) >= 0) return;
  var previous = departments[select.value];
  select.addEventListener("change", function () {
    var chosen = departments[select.value];
    if (!chosen) return;
    var untouched = !authority[0].value || (previous && authority[0].value === previous.name &&
                                            authority[1].value === previous.code);
    if (untouched) { authority[0].value = chosen.name; authority[1].value = chosen.code; }
    source.forEach(function (field) { field.readOnly = !chosen.upstream; });
    if (!chosen.upstream) { source[0].value = chosen.name; source[1].value = chosen.code; }
    previous = chosen;
  });
})();
