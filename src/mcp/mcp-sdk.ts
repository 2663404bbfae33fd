/**
 * The parts of the MCP SDK the server uses, loaded on first use: importing them costs ≈ 25 MB of RSS
 * and ≈ 300 ms, which `npm start` should not pay before an agent connects.
 */
export interface McpSdk {
  readonly Server: typeof import('@modelcontextprotocol/sdk/server/index.js').Server;
  readonly CallToolRequestSchema: typeof import('@modelcontextprotocol/sdk/types.js').CallToolRequestSchema;
  readonly ListToolsRequestSchema: typeof import('@modelcontextprotocol/sdk/types.js').ListToolsRequestSchema;
  readonly WebStandardStreamableHTTPServerTransport: typeof import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js').WebStandardStreamableHTTPServerTransport;
}

let loading: Promise<McpSdk> | undefined;

/** The SDK's server modules, imported once (the first call starts the import; later calls share it). */
export function loadMcpSdk(): Promise<McpSdk> {
  loading ??= Promise.all([
    import('@modelcontextprotocol/sdk/server/index.js'),
    import('@modelcontextprotocol/sdk/types.js'),
    import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'),
  ]).then(([server, types, http]) => ({
    Server: server.Server,
    CallToolRequestSchema: types.CallToolRequestSchema,
    ListToolsRequestSchema: types.ListToolsRequestSchema,
    WebStandardStreamableHTTPServerTransport: http.WebStandardStreamableHTTPServerTransport,
  }));
  return loading;
}
