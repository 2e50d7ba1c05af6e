// While a batch is running, poll its progress and reload the page when it ends.
(function () {
  var box = document.getElementById("progress");
  if (!box || box.dataset.running !== "1") return;
  var timer = setInterval(function () {
    fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
      box.querySelector("progress").max = d.rows_total || 1;
      box.querySelector("progress").value = d.rows_done;
      box.querySelector("[data-testid=rows]").textContent = d.rows_done + " / " + d.rows_total;
      box.querySelector("[data-testid=batch-status]").textContent = d.status_display;
      if (d.status === "done" || d.status === "failed") { clearInterval(timer); location.reload(); }
    });
  }, 1000);
})();
