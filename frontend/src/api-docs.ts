// Starts Swagger UI (loaded just before, from the site's own copy) on the OpenAPI
// document that the page names in data-spec-url.

interface SwaggerUIOptions {
  url: string;
  dom_id: string;
  deepLinking: boolean;
}

declare global {
  interface Window {
    SwaggerUIBundle?: (options: SwaggerUIOptions) => unknown;
  }
}

const root = document.getElementById("swagger-ui");
const url = root?.dataset["specUrl"];
if (root !== null && url !== undefined && window.SwaggerUIBundle !== undefined) {
  window.SwaggerUIBundle({ url, dom_id: "#swagger-ui", deepLinking: true });
}

export {};
