// The Discover map (its own chunk, with Leaflet and its CSS). Markers only by default: no tile
// server is needed, so the map works offline and in tests; a basemap tile URL from
// /app-config.json adds tiles. Moving the map (drag or zoom by the person) searches there.
import { useContext, useEffect, useRef } from "preact/hooks";
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { Config } from "../app.tsx";
import type { Listed } from "./discover.tsx";

export interface MapProps {
  cafes: Listed[];
  center: { lat: number; lng: number } | null;
  selected: string | null;
  /** `fromMap`: the marker was clicked (the list scrolls to the café). */
  onSelect: (id: string, fromMap: boolean) => void;
  onMove: (center: { lat: number; lng: number }, radiusM: number) => void;
}

export function MapView(props: MapProps) {
  const config = useContext(Config);
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const layer = useRef<L.LayerGroup | null>(null);
  const markers = useRef(new Map<string, L.Marker>());
  const programmatic = useRef(false);
  const handlers = useRef(props);
  handlers.current = props;

  useEffect(() => {
    const m = L.map(el.current!, { zoomControl: true, attributionControl: !!config.basemapTileUrl });
    if (config.basemapTileUrl) L.tileLayer(config.basemapTileUrl, { maxZoom: 19 }).addTo(m);
    m.setView([20, 0], 2);
    layer.current = L.layerGroup().addTo(m);
    const moved = () => {
      if (programmatic.current) return;
      const c = m.getCenter();
      const radius = Math.min(50_000, Math.max(500, m.distance(c, m.getBounds().getNorthEast())));
      handlers.current.onMove({ lat: c.lat, lng: c.lng }, radius);
    };
    m.on("dragend", moved);
    m.on("zoomend", moved);
    map.current = m;
    return () => m.remove();
  }, []);

  useEffect(() => {
    const m = map.current;
    const group = layer.current;
    if (!m || !group) return;
    group.clearLayers();
    markers.current.clear();
    for (const c of props.cafes) {
      const icon = L.divIcon({
        className: props.selected === c.id ? "pin selected" : "pin",
        html: "",
        iconSize: [18, 18],
      });
      const marker = L.marker([c.location.coordinates.lat, c.location.coordinates.lng], {
        icon,
        title: c.name,
        alt: c.name,
        keyboard: true,
      })
        .on("click", () => handlers.current.onSelect(c.id, true))
        .addTo(group);
      markers.current.set(c.id, marker);
    }
    programmatic.current = true;
    if (props.center) {
      if (props.cafes.length > 0) {
        const bounds = L.latLngBounds(props.cafes.map((c) => [c.location.coordinates.lat, c.location.coordinates.lng]));
        bounds.extend([props.center.lat, props.center.lng]);
        m.fitBounds(bounds, { padding: [24, 24], maxZoom: 16, animate: false });
      } else {
        m.setView([props.center.lat, props.center.lng], 14, { animate: false });
      }
    } else if (props.cafes.length > 0) {
      const bounds = L.latLngBounds(props.cafes.map((c) => [c.location.coordinates.lat, c.location.coordinates.lng]));
      m.fitBounds(bounds, { padding: [24, 24], maxZoom: 14, animate: false });
    }
    setTimeout(() => (programmatic.current = false), 0);
  }, [props.cafes]);

  // The list and the map stay in step: the café hovered or focused in the list, or clicked
  // on the map, is the highlighted marker.
  useEffect(() => {
    for (const [id, marker] of markers.current) {
      marker.getElement()?.classList.toggle("selected", id === props.selected);
    }
  }, [props.selected, props.cafes]);

  return <div ref={el} class="map" role="application" aria-label="Map of the cafés listed" />;
}
