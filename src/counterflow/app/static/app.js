// Every htmx request carries the session's CSRF token; "n" claims the next alert.
document.addEventListener("htmx:configRequest", function (e) {
  e.detail.headers["X-CSRF-Token"] = document.body.dataset.csrf || "";
});
document.addEventListener("keydown", function (e) {
  if (e.key !== "n" || e.ctrlKey || e.metaKey || e.altKey) return;
  var t = e.target.tagName;
  if (t === "INPUT" || t === "TEXTAREA" || t === "SELECT") return;
  var f = document.getElementById("next-form");
  if (f) { e.preventDefault(); f.submit(); }
});
