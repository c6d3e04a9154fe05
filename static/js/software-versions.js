// Offer, as software version suggestions, only the versions of the device platform chosen.
// Each platform option carries its versions (data-software, "|" between them); with no
// platform chosen, the versions of every platform the select lists (the chosen vendor's once
// htmx has swapped them in). Without JavaScript the page offers the saved platform's.
(function () {
  "use strict";
  var PLATFORM = "select[id$='device_platform']";

  function versionsOf(select) {
    var chosen = select.value ? [select.selectedOptions[0]] : Array.from(select.options);
    var versions = new Set();
    chosen.forEach(function (option) {
      (option.getAttribute("data-software") || "").split("|").forEach(function (version) {
        if (version) {
          versions.add(version);
        }
      });
    });
    return Array.from(versions).sort();
  }

  function update(select) {
    var input = document.getElementById(select.id.replace(/device_platform$/, "device_software"));
    var list = input && input.list;
    if (!list) {
      return;
    }
    list.replaceChildren.apply(list, versionsOf(select).map(function (version) {
      var option = document.createElement("option");
      option.value = version;
      return option;
    }));
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches(PLATFORM)) {
      update(event.target);
    }
  });
  // A new vendor swaps in its own platforms, none chosen yet.
  document.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll(PLATFORM).forEach(update);
  });
})();
