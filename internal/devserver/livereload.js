// Live reload for the stellar-budget preview server (generator serve).
// Listens to /__stellar/events: "reload" reloads the page, "error" shows
// the failed rebuild in a banner, and a new server instance after a
// reconnect (the server restarted) reloads the page.
(function () {
  "use strict";
  if (!window.EventSource) {
    return;
  }
  var instance = null;
  var banner = null;
  var retryDelay = 1000;

  function showError(message) {
    if (!banner) {
      banner = document.createElement("div");
      banner.setAttribute("role", "alert");
      banner.setAttribute("data-stellar-devserver", "error");
      var s = banner.style;
      s.position = "fixed";
      s.left = "0";
      s.right = "0";
      s.bottom = "0";
      s.zIndex = "2147483647";
      s.margin = "0";
      s.padding = "0.75em 1em";
      s.background = "#8b0000";
      s.color = "#fff";
      s.font = "14px/1.4 ui-monospace, monospace";
      s.whiteSpace = "pre-wrap";
      document.body.appendChild(banner);
    }
    // textContent, never innerHTML: the message may quote hostile input.
    banner.textContent = "Rebuild failed, showing the last good site: " + message;
  }

  function connect() {
    var source = new EventSource("/__stellar/events");
    source.addEventListener("hello", function (e) {
      retryDelay = 1000;
      if (instance !== null && instance !== e.data) {
        window.location.reload();
        return;
      }
      instance = e.data;
    });
    source.addEventListener("reload", function () {
      window.location.reload();
    });
    source.addEventListener("error", function (e) {
      // The server's "error" events carry data; the browser's own error
      // event (connection lost) does not.
      if (typeof e.data === "string") {
        showError(e.data);
        return;
      }
      // The browser retries by itself unless it gave up (the server was
      // down or answered with an error); then try again, more slowly.
      if (source.readyState === EventSource.CLOSED) {
        window.setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 10000);
      }
    });
  }

  connect();
})();
