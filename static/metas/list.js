// On a wide screen the goal list's filters stand open in their side panel. Without this
// script (or on a phone) they stay folded under "Filtrar", and everything still works.
(function () {
  var panel = document.getElementById("panel-filtros");
  if (panel && window.matchMedia("(min-width: 62rem)").matches) {
    panel.open = true;
  }
})();
