// Show the details that only one answer needs (BGP's ASN and reason) when that answer is
// chosen. Without JavaScript everything stays visible, marked "Only for BGP".
(function () {
  "use strict";
  function update(name) {
    var chosen = document.querySelector("input[name='" + name + "']:checked");
    document.querySelectorAll("[data-reveal-for='" + name + "']").forEach(function (block) {
      block.hidden = !chosen || chosen.value !== block.getAttribute("data-reveal-value");
    });
  }
  function start() {
    var names = new Set();
    document.querySelectorAll("[data-reveal-for]").forEach(function (block) {
      names.add(block.getAttribute("data-reveal-for"));
    });
    names.forEach(function (name) {
      document.querySelectorAll("input[name='" + name + "']").forEach(function (input) {
        input.addEventListener("change", function () { update(name); });
      });
      update(name);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
