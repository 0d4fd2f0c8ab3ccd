// Buttons marked data-print open the browser's print dialog. A file rather than an onclick attribute:
// the Content-Security-Policy (docs/security.md) allows scripts from this site only.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});
