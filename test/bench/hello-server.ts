import { serve } from '@hono/node-server';
import { Hono } from 'hono';

/** The reference point for throughput: a bare Hono hello-world on the same Node and server adapter as the backend. */
const app = new Hono().get('/', (c) => c.text('Hello Hono!'));
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
