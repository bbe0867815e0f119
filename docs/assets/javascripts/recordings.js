// Players of the test run's terminal recordings (site_hooks/recordings.py). A player is made
// when its <details> opens, so no recording is fetched until a reader asks for one. The
// player's own keyboard shortcuts (space, arrow keys, f) answer on its focusable, labelled
// container. A box opened while the page was still loading, before this ran, gets its player
// now: its toggle event came before anyone listened.
(function () {
  var keys = ["Space", "ArrowLeft", "ArrowRight", "Home", "End", "KeyF", "Period", "Comma"];
  document.querySelectorAll("details.docproof-recording").forEach(function (box) {
    var spot = box.querySelector(".docproof-player");
    var make = function () {
      if (!box.open || spot.player) return;
      spot.player = AsciinemaPlayer.create(spot.getAttribute("data-cast"), spot, {
        cols: Number(spot.getAttribute("data-cols")),
        rows: Number(spot.getAttribute("data-rows")),
        idleTimeLimit: Number(spot.getAttribute("data-idle")),
        preload: true,
        fit: "width",
        terminalFontSize: "small",
      });
    };
    box.addEventListener("toggle", make);
    make();
    spot.addEventListener("keydown", function (event) {
      var inner = spot.player && spot.player.el;
      if (!inner || event.target !== spot || keys.indexOf(event.code) < 0) return;
      event.preventDefault();
      inner.dispatchEvent(new KeyboardEvent("keydown", {
        key: event.key, code: event.code, shiftKey: event.shiftKey, bubbles: true,
      }));
    });
  });
})();
