// Starts Swagger UI on the document served beside this page. It lives in its
// own file because the page's Content-Security-Policy allows no inline script.
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    // The YAML keeps the document's order (the JSON is converted from a map).
    url: '/api-docs/openapi.yaml',
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    presets: [SwaggerUIBundle.presets.apis],
    deepLinking: true,
    displayRequestDuration: true,
    // Keep the bearer token across reloads, so Authorize is done once.
    persistAuthorization: true,
    // Nothing leaves this server: no online validator badge.
    validatorUrl: null,
  });
});
