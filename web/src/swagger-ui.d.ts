// swagger-ui-dist ships no types: what web/src/docs.ts uses of its bundle for bundlers (CommonJS; Vite gives its
// module.exports as the default export). Options: https://swagger.io/docs/open-source-tools/swagger-ui/usage/configuration/
declare module 'swagger-ui-dist/swagger-ui-es-bundle.js' {
  /** A request as Swagger UI's requestInterceptor sees it; loadSpec is set on the fetch of the OpenAPI document. */
  export interface SwaggerRequest {
    url: string;
    method?: string;
    headers: Record<string, string>;
    loadSpec?: boolean;
    [key: string]: unknown;
  }
  export interface SwaggerUIOptions {
    url?: string;
    dom_id?: string;
    deepLinking?: boolean;
    validatorUrl?: string | null;
    tryItOutEnabled?: boolean;
    persistAuthorization?: boolean;
    requestInterceptor?: (request: SwaggerRequest) => SwaggerRequest | Promise<SwaggerRequest>;
    /** Called once the document is loaded and rendered. */
    onComplete?: () => void;
    [key: string]: unknown;
  }
  const SwaggerUIBundle: (options: SwaggerUIOptions) => unknown;
  export default SwaggerUIBundle;
}
