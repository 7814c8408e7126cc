// A form marked data-once sends once: a double click does not post it twice.
// (The server also refuses a second intake with the same token; this only spares the round trip.)
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute("data-once")) return;
  if (form.dataset.sent === "1") { event.preventDefault(); return; }
  form.dataset.sent = "1";
  form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
    b.setAttribute("aria-disabled", "true");
    b.classList.add("sending");
  });
});
