// The case list's keyboard and bulk helpers. The page works without them.
// "/" puts the cursor in the search box (as in Zendesk, GitHub, Gmail), unless one is typing.
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  var target = event.target;
  var tag = target && target.tagName;
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
  var search = document.getElementById("q");
  if (!search) return;
  event.preventDefault();
  search.focus();
  search.select();
});

// Escape in the search box leaves it, so that "/" works again.
document.addEventListener("keydown", function (event) {
  if (event.key === "Escape" && event.target && event.target.id === "q") event.target.blur();
});

// "Tick every case on this page": shown only where this script runs.
document.addEventListener("DOMContentLoaded", function () {
  var all = document.querySelector("input[data-select-all]");
  if (!all) return;
  var boxes = document.querySelectorAll('input[type=checkbox][name=case][form=bulk]');
  all.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      var ticked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    });
  });
});
