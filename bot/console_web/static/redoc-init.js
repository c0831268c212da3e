// Starts ReDoc on /redoc (a file, so the page needs no inline script).
window.addEventListener("load", function () {
  var root = document.getElementById("redoc");
  Redoc.init(root.dataset.specUrl, {}, root);
});
