// The API's documentation (Swagger UI, vendored): read from this server's /v1/openapi.json, nothing from elsewhere.
"use strict";
window.addEventListener("load", () => {
  window.SwaggerUIBundle({ url: "/v1/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
