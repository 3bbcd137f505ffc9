/* The /api/v1/docs page: Swagger UI on our OpenAPI document. A file, not an inline script,
   so the site's CSP (script-src 'self') allows it. "Try it out" sends the session's CSRF
   token, which the API's session auth asks of every write. */
(function () {
  "use strict";
  var settings = document.body.dataset;
  window.SwaggerUIBundle({
    url: settings.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "none",
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    requestInterceptor: function (request) {
      if (settings.csrfToken) {
        request.headers["X-CSRFToken"] = settings.csrfToken;
      }
      return request;
    },
  });
})();
