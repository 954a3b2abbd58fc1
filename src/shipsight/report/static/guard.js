// Runs first: records every script error where a reader (and the headless
// browser tests) can see it, instead of only in a console nobody opens.
(function () {
  "use strict";
  var errors = [];
  function record(text) {
    errors.push(String(text));
    var box = document.getElementById("errors");
    if (box) { box.hidden = false; box.textContent = errors.join("\n"); }
    document.documentElement.setAttribute("data-errors", String(errors.length));
  }
  window.shipsightErrors = errors;
  window.addEventListener("error", function (e) {
    record("error: " + (e.message || (e.target && e.target.src) || "resource failed") +
           (e.filename ? " (" + e.filename + ":" + e.lineno + ")" : ""));
  }, true);
  window.addEventListener("unhandledrejection", function (e) { record("unhandled rejection: " + e.reason); });
  document.addEventListener("securitypolicyviolation", function (e) {
    record("blocked by Content-Security-Policy: " + e.violatedDirective + " " + (e.blockedURI || "inline"));
  });
  var original = console.error;
  console.error = function () {
    record("console.error: " + Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
  document.documentElement.setAttribute("data-errors", "0");
})();
