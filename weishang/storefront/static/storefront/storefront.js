/* weishang storefront: small enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Product page: the chosen variant's price, stock hint and quantity limit.
  function showVariant(input) {
    var form = input.form;
    var price = document.querySelector("[data-variant-price]");
    if (price && input.dataset.price) price.textContent = input.dataset.price;
    var stock = document.querySelector("[data-variant-stock]");
    if (stock) stock.textContent = input.dataset.stockLabel || "";
    var qty = form && form.querySelector("input[name=quantity]");
    if (qty && input.dataset.max) {
      qty.max = input.dataset.max;
      if (+qty.value > +qty.max) qty.value = qty.max;
    }
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches("input[name=variant]")) showVariant(e.target);
  });

  // Quantity steppers: buttons with data-step nudge the number input beside them.
  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-step]");
    if (!button) return;
    var input = button.parentElement.querySelector("input[type=number]");
    if (!input) return;
    var next = (+input.value || 1) + (+button.dataset.step);
    var max = +input.max || 99;
    input.value = Math.max(1, Math.min(max, next));
  });

  // Gallery: "2 / 5" follows the swipe.
  document.querySelectorAll("[data-gallery]").forEach(function (gallery) {
    var track = gallery.querySelector(".gallery-track");
    var count = gallery.querySelector("[data-gallery-index]");
    if (!track || !count) return;
    track.addEventListener("scroll", function () {
      count.textContent = Math.round(track.scrollLeft / track.clientWidth) + 1;
    }, { passive: true });
  });

  // A visitor who came through a share link: tell the server the page was really shown (a
  // preview bot never runs this, so it never counts as a visit). See sharing/services.py.
  if (document.cookie.indexOf("weishang_arrival=") !== -1) {
    if (!(navigator.sendBeacon && navigator.sendBeacon("/s/arrived"))) {
      fetch("/s/arrived", { method: "POST", credentials: "same-origin", keepalive: true });
    }
  }

  // The share panel: the system share sheet where there is one, copying the link everywhere.
  document.querySelectorAll("[data-share]").forEach(function (panel) {
    var data = { title: panel.dataset.shareTitle, text: panel.dataset.shareText, url: panel.dataset.shareUrl };
    var native = panel.querySelector("[data-share-native]");
    if (native && navigator.share && (!navigator.canShare || navigator.canShare(data))) {
      native.hidden = false;
      native.addEventListener("click", function () {
        navigator.share(data).catch(function () { /* the sheet was closed */ });
      });
    }
    var copy = panel.querySelector("[data-share-copy]");
    if (copy) copy.addEventListener("click", function () {
      var input = panel.querySelector(".share-url");
      var done = function () { showToast(panel.dataset.copied); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(data.text + " " + data.url).then(done, function () { input.select(); });
      } else {
        input.select();
        if (document.execCommand && document.execCommand("copy")) done();
      }
    });
  });

  // The toast that htmx answers put in #toast: show it for a moment.
  var toastTimer;
  function showToast(message) {
    var toast = document.getElementById("toast");
    if (!toast) return;
    if (message) toast.textContent = message;
    toast.classList.add("is-shown");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.classList.remove("is-shown"); }, 2200);
  }
  document.addEventListener("htmx:afterSettle", function () {
    var toast = document.getElementById("toast");
    if (toast && toast.textContent.trim()) showToast();
  });

  // Order page: the minutes left to pay, counting down; the page reloads when time is up.
  document.querySelectorAll("[data-expires-at]").forEach(function (el) {
    var end = Date.parse(el.dataset.expiresAt);
    var out = el.querySelector("[data-countdown]");
    if (!out || isNaN(end)) return;
    var running = end > Date.now();  // reload once when time runs out, never in a loop
    function tick() {
      var left = Math.max(0, Math.floor((end - Date.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      out.textContent = m + ":" + (s < 10 ? "0" : "") + s;
      if (left === 0) {
        clearInterval(timer);
        if (running) setTimeout(function () { location.reload(); }, 1500);
      }
    }
    var timer = setInterval(tick, 1000);
    tick();
  });
})();

/* A form marked data-submit-once cannot be sent twice by a double tap (the server would still
   answer with the one order: this only spares the buyer a second wait). */
document.addEventListener("submit", function (e) {
  var form = e.target;
  if (!form.matches || !form.matches("[data-submit-once]")) return;
  if (form.dataset.sent) { e.preventDefault(); return; }
  form.dataset.sent = "1";
  setTimeout(function () {
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  }, 0);
});
