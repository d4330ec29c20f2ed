import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import express from 'express';
import { requestClass, responseClass } from './express-adapter.js';

describe('requestClass and responseClass', () => {
  const app = express();
  const socket = new Socket();
  afterAll(() => socket.destroy());

  it("build node:http requests whose prototype is the Express app's request", () => {
    const Request = requestClass(app);
    const request = new Request(socket);
    expect(Object.getPrototypeOf(request)).toBe(app.request);
    expect(request).toBeInstanceOf(IncomingMessage);
    request.headers = { 'content-type': 'application/json; charset=utf-8' };
    // Express's own method, from its prototype: no Object.setPrototypeOf needed.
    expect((request as unknown as express.Request).get('Content-Type')).toBe('application/json; charset=utf-8');
    expect(request.socket).toBe(socket);
  });

  it("build node:http responses whose prototype is the Express app's response", () => {
    const request = new (requestClass(app))(socket);
    const Response = responseClass(app);
    const response = new Response(request);
    expect(Object.getPrototypeOf(response)).toBe(app.response);
    expect(response).toBeInstanceOf(ServerResponse);
    (response as unknown as express.Response).status(418).set('X-Test', '1');
    expect(response.statusCode).toBe(418);
    expect(response.getHeader('x-test')).toBe('1');
  });
});
