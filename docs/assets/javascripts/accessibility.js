// Names for controls Material builds in the browser without an accessible name (axe:
// link-name): the numbered markers of code annotations.
document$.subscribe(function () {
  var name = function () {
    document.querySelectorAll(".md-annotation__index:not([aria-label])").forEach(function (link) {
      var number = link.querySelector("[data-md-annotation-id]");
      var id = number ? number.getAttribute("data-md-annotation-id") : "";
      link.setAttribute("aria-label", "Code annotation " + id);
    });
  };
  name();
  new MutationObserver(name).observe(document.body, { childList: true, subtree: true });
});

// A wide table that scrolls sideways must be reachable by keyboard (axe:
// scrollable-region-focusable): Material wraps tables in a scroll box but does not make it focusable.
document$.subscribe(function () {
  document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "Table, scrolls sideways");
    }
  });
});
