import http from 'k6/http';

// Each request takes the imager's THUMBNAIL_MS (1 s in runners-saturated): it holds its VU that long.
export default function (): void {
  http.post(`${__ENV.BASE_URL}/thumbnails`, JSON.stringify({ photoId: 1 }), {
    headers: { 'content-type': 'application/json' },
    tags: { name: 'slow' },
    timeout: __ENV.REQUEST_TIMEOUT,
  });
}
