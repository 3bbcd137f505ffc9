/* The city map: division outlines and open events from the page's GeoJSON, drawn with
   Leaflet on a plain background (no tile server). The same events are in the table below,
   so the page reads the same without this script. */
(function () {
  "use strict";
  var element = document.getElementById("city-map");
  if (!element || !window.L || !window.fetch) { return; }
  var map = L.map(element, { zoomSnap: 0.25, attributionControl: false });
  var outlines = L.featureGroup().addTo(map);
  var events = L.featureGroup().addTo(map);
  var fitted = false;
  function draw(doc) {
    outlines.clearLayers();
    events.clearLayers();
    doc.features.forEach(function (feature) {
      var p = feature.properties;
      if (p.kind === "division") {
        L.geoJSON(feature, { style: { color: "#565c65", weight: 1, fillColor: "#dfe1e2", fillOpacity: 0.6 } })
          .bindTooltip(p.name).addTo(outlines);
      } else {
        var c = feature.geometry.coordinates;
        var marker = L.circleMarker([c[1], c[0]], {
          radius: 8, weight: 2, color: p.urgent ? "#b50909" : "#005ea2",
          fillColor: p.urgent ? "#d83933" : "#2491ff", fillOpacity: 0.9
        });
        var link = document.createElement("a");
        link.href = element.getAttribute("data-event-url").replace("REF", encodeURIComponent(p.ref));
        link.textContent = p.ref + " · " + p.title + " · " + p.state_label;
        link.className = "usa-link";
        link.setAttribute("data-event", p.ref);
        marker.bindPopup(link).addTo(events);
      }
    });
    if (fitted) { return; }
    fitted = true;
    var bounds = outlines.getBounds();
    if (!bounds.isValid()) { bounds = events.getBounds(); }
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); } else { map.setView([30.27, 120.15], 9); }
  }
  function load() {
    fetch(element.getAttribute("data-geojson"), { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
      .then(function (answer) { return answer.json(); })
      .then(draw)
      .catch(function () {});
  }
  load();
  window.setInterval(load, 15000);
})();
