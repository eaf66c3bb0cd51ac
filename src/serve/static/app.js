// concord serve: keyboard answers on the review page. A key pressed outside a text field
// presses the button that carries it (data-key): s same, d different, k skip, u undo.
// Nothing else runs here, and nothing is fetched.
"use strict";
document.addEventListener("keydown", function (event) {
  // A held key repeats: one answer per press.
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || event.repeat) {
    return;
  }
  var target = event.target;
  var tag = target && target.tagName;
  if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) {
    return;
  }
  var button = document.querySelector('button[data-key="' + event.key.toLowerCase() + '"]');
  if (button && !button.disabled) {
    event.preventDefault();
    button.click();
  }
});
