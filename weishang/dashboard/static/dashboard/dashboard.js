/* weishang seller app: the few interactive bits. Every page works without this file. */
(function () {
  "use strict";

  // Copy buttons: <button data-copy="text to copy" data-copied="Copied">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    event.preventDefault();
    var text = button.getAttribute("data-copy");
    var done = function () {
      var label = button.querySelector("[data-copy-label]") || button;
      var before = label.textContent;
      label.textContent = button.getAttribute("data-copied") || "✓";
      setTimeout(function () { label.textContent = before; }, 1600);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else {
      fallbackCopy(text);
      done();
    }
  });

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* the text stays visible to copy by hand */ }
    document.body.removeChild(area);
  }

  // Forms that undo something ask first: <form data-confirm="Cancel this order?">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // New-order badge: ask now and every 20 seconds while the page is visible.
  var badgeUrl = document.body.getAttribute("data-badge-url");
  function refreshBadge() {
    if (!badgeUrl || document.hidden) return;
    fetch(badgeUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        document.querySelectorAll("[data-new-orders]").forEach(function (badge) {
          badge.textContent = data.new_orders > 99 ? "99+" : String(data.new_orders);
          badge.hidden = data.new_orders === 0;
        });
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }
  if (badgeUrl) {
    refreshBadge();
    setInterval(refreshBadge, 20000);
    document.addEventListener("visibilitychange", refreshBadge);
  }

  // Variant rows: "add a variant" clones the empty form Django renders in a <template>.
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-variant]");
    if (!add) return;
    event.preventDefault();
    var template = document.getElementById("variant-template");
    var total = document.querySelector("[name=variants-TOTAL_FORMS]");
    var list = document.getElementById("variant-list");
    if (!template || !total || !list) return;
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
    list.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var first = list.lastElementChild && list.lastElementChild.querySelector("input[type=text]");
    if (first) first.focus();
  });

  // Photos chosen for an existing product upload at once; the button stays for browsers without JS.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-autosubmit]") && input.files.length) {
      input.form.submit();
    }
  });

  // A chosen photo shows at once beside its input.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-preview]")) return;
    var img = document.getElementById(input.getAttribute("data-preview"));
    if (img && input.files && input.files[0]) {
      img.src = URL.createObjectURL(input.files[0]);
      img.hidden = false;
    }
  });
})();
