/* commentsvc: an <iframe> of the server-rendered comments page that fits its content.
   On the host page:
     <iframe src="https://comments.example.org/embed/demo/hello-world" title="Comments"
             data-commentsvc-frame style="width: 100%; height: 40rem; border: 0"></iframe>
     <script src="https://comments.example.org/frame.js" async></script>
   The comments page loads this same file: there it reports its height to the host page. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src).origin;
  if (window.parent !== window && document.documentElement.classList.contains("commentsvc-frame")) {
    var last = 0;
    var report = function () {
      var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height === last) return;
      last = height;
      window.parent.postMessage({ commentsvc: "height", height: height }, "*");
    };
    if ("ResizeObserver" in window) new ResizeObserver(report).observe(document.documentElement);
    window.addEventListener("load", report);
    report();
    return;
  }
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !event.data || event.data.commentsvc !== "height") return;
    var frames = document.querySelectorAll("iframe[data-commentsvc-frame]");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.max(100, Math.min(+event.data.height || 0, 100000)) + "px";
      }
    }
  });
})();
