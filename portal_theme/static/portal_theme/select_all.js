// 全选 on the exchange proposal form: ticks or clears an item's field boxes and follows them.
// Without JavaScript the 全选 box is posted as it is and stands for every field of the item.
(function () {
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var boxes = all.form.querySelectorAll('input[type=checkbox][name="' + all.dataset.selectAll + '"]');
    var count = all.closest("details").querySelector("[data-count]");
    function follow() {
      var ticked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
      if (count) count.textContent = ticked;
    }
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      follow();
    });
    boxes.forEach(function (b) { b.addEventListener("change", follow); });
    if (all.checked) boxes.forEach(function (b) { b.checked = true; });
    follow();
  });
})();
