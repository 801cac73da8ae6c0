// The LINE desk's live parts: an element with data-poll-url is refreshed every
// data-poll-ms milliseconds from a JSON answer {html}, swapped into its data-poll-target.
// Progressive enhancement: without this script the pages are complete and a reload refreshes.
(function () {
  "use strict";

  function start(source) {
    var url = source.getAttribute("data-poll-url");
    var every = parseInt(source.getAttribute("data-poll-ms"), 10) || 2000;
    var target = source.hasAttribute("data-poll-target")
      ? source
      : source.querySelector("[data-poll-target]");
    var last = null;
    var busy = false;
    if (!url || !target) {
      return;
    }

    function typing() {
      // Never swap while the person is inside the refreshed part (focus would be lost).
      return target.contains(document.activeElement) && document.activeElement !== document.body;
    }

    function tick() {
      if (busy || document.hidden) {
        return;
      }
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (answer) {
          if (typeof answer.html === "string" && answer.html !== last && !typing()) {
            target.innerHTML = answer.html;
            last = answer.html;
          }
        })
        .catch(function () {
          // A missed refresh is retried at the next tick; the page stays as it was.
        })
        .then(function () {
          busy = false;
        });
    }

    window.setInterval(tick, every);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var sources = document.querySelectorAll("[data-poll-url]");
    for (var i = 0; i < sources.length; i += 1) {
      start(sources[i]);
    }
  });
})();
