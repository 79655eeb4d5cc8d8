import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { o200kTokenCounter } from '../../src/retrieval/tokenizer.js';
import type { SummaryInput, SummaryTurn } from '../../src/spec/summarizer.js';
import { ExtractiveSummarizer } from '../../src/summarizers/extractive-summarizer.js';
import { LlmSummarizer } from '../../src/summarizers/llm-summarizer.js';
import { expectStrataError, memoryInRam } from '../helpers/memory.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function ram(options: Parameters<typeof memoryInRam>[0] = {}): Promise<MemoryService> {
  const memory = await memoryInRam(options);
  cleanups.push(() => memory.close());
  return memory;
}

const turn = (seq: number, role: SummaryTurn['role'], content: string): SummaryTurn => ({
  id: `msg_${seq}`,
  seq,
  role,
  name: null,
  content,
  createdAt: seq,
});

describe('ExtractiveSummarizer', () => {
  it('keeps central sentences within the token budget, drops redundant ones, keeps conversation order and sources', async () => {
    const memory = await ram();
    const summarizer = new ExtractiveSummarizer(memory.embedder, o200kTokenCounter);
    const input: SummaryInput = {
      previous: null,
      turns: [
        turn(1, 'user', 'We are renovating the kitchen in our Cardiff house this spring.'),
        turn(2, 'assistant', 'Great. What worktops are you considering for the kitchen?'),
        turn(3, 'user', 'We want oak worktops and a ceramic sink for the kitchen renovation.'),
        turn(4, 'user', 'We want oak worktops and a ceramic sink for the kitchen renovation!'),
        turn(5, 'user', 'The kitchen budget is eight thousand pounds including the fitting.'),
        turn(6, 'user', 'ok'),
      ],
      tokenBudget: 40,
    };
    const out = await summarizer.summarize(input);
    expect(o200kTokenCounter.count(out.text)).toBeLessThanOrEqual(40);
    expect(out.sentences.length).toBeGreaterThan(0);
    // The near-copy (turn 4) and the assistant's question are not both there / not there.
    expect(out.sentences.filter((s) => s.text.includes('oak worktops')).length).toBeLessThanOrEqual(1);
    expect(out.text).not.toContain('What worktops');
    const order = out.sentences.map((s) => Number((s.source[0] as string).slice(4)));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(out.source).toEqual([...new Set(out.sentences.flatMap((s) => s.source))]);
  });

  it('rolls: sentences of the previous summary compete with the new turns and keep their sources', async () => {
    const memory = await ram();
    const summarizer = new ExtractiveSummarizer(memory.embedder, o200kTokenCounter);
    const out = await summarizer.summarize({
      previous: {
        text: 'User: I am allergic to peanuts and cashews.',
        sentences: [{ text: 'User: I am allergic to peanuts and cashews.', source: ['msg_old'] }],
      },
      turns: [turn(7, 'user', 'Please find a restaurant in Istanbul without nut sauces for Friday night.')],
      tokenBudget: 200,
    });
    expect(out.text).toContain('peanuts');
    expect(out.text).toContain('Istanbul');
    expect(out.source).toEqual(['msg_old', 'msg_7']);
  });

  it('returns an empty summary when no sentence qualifies', async () => {
    const memory = await ram();
    const out = await new ExtractiveSummarizer(memory.embedder, o200kTokenCounter).summarize({
      previous: null,
      turns: [turn(1, 'user', 'ok'), turn(2, 'assistant', 'Sure!')],
      tokenBudget: 100,
    });
    expect(out).toEqual({ text: '', sentences: [], source: [] });
  });
});

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
  body: { model?: string; messages?: Array<{ role: string; content: string }>; max_tokens?: number };
}

/** A real HTTP server on loopback that answers like the chat completions API (response shape recorded from OpenAI). */
async function chatServer(answer: (seen: Seen) => { status: number; body: unknown } | null): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      const entry: Seen = { url: req.url ?? '', headers: req.headers, body: JSON.parse(raw || '{}') };
      seen.push(entry);
      const reply = answer(entry);
      if (reply === null) return; // never answers: the client times out
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen };
}

function completion(content: string): unknown {
  return {
    id: 'chatcmpl-AbC123',
    object: 'chat.completion',
    created: 1733000000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 120, completion_tokens: 24, total_tokens: 144 },
    system_fingerprint: 'fp_0ba0d124f1',
  };
}

const INPUT: SummaryInput = {
  previous: { text: 'The user is allergic to nuts.', sentences: [{ text: 'The user is allergic to nuts.', source: ['msg_0'] }] },
  turns: [turn(1, 'user', 'Book a table for four in Istanbul on Friday.'), turn(2, 'assistant', 'Done: 8 pm at Karaköy Lokantası.')],
  tokenBudget: 120,
};

describe('LlmSummarizer (OpenAI-compatible chat completions on loopback)', () => {
  it('posts the previous summary and the new turns to {baseUrl}/chat/completions and returns the answer with sources', async () => {
    const server = await chatServer(() => ({
      status: 200,
      body: completion('  The user is allergic to nuts and booked a table for four in Istanbul on Friday at 8 pm.  '),
    }));
    const summarizer = new LlmSummarizer({ baseUrl: `${server.url}/`, model: 'gpt-4o-mini', apiKey: 'sk-test' });
    const out = await summarizer.summarize(INPUT);
    expect(out.text).toBe('The user is allergic to nuts and booked a table for four in Istanbul on Friday at 8 pm.');
    expect(out.source).toEqual(['msg_0', 'msg_1', 'msg_2']);
    expect(summarizer.name).toBe('llm:gpt-4o-mini');
    const [request] = server.seen;
    expect(request?.url).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.body.model).toBe('gpt-4o-mini');
    expect(request?.body.max_tokens).toBe(120);
    const user = request?.body.messages?.find((m) => m.role === 'user')?.content ?? '';
    expect(user).toContain('The user is allergic to nuts.');
    expect(user).toContain('user: Book a table for four in Istanbul on Friday.');
  });

  it('raises SUMMARIZER_FAILED with the status on a non-2xx answer', async () => {
    const server = await chatServer(() => ({
      status: 429,
      body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
    }));
    const error = await expectStrataError(new LlmSummarizer({ baseUrl: server.url, model: 'm' }).summarize(INPUT), 'SUMMARIZER_FAILED');
    expect(error.details.status).toBe(429);
    expect(String(error.details.body)).toContain('Rate limit reached');
  });

  it('raises SUMMARIZER_FAILED on an answer without text, TIMEOUT when the endpoint does not answer in time', async () => {
    const empty = await chatServer(() => ({ status: 200, body: { choices: [] } }));
    await expectStrataError(new LlmSummarizer({ baseUrl: empty.url, model: 'm' }).summarize(INPUT), 'SUMMARIZER_FAILED');
    const silent = await chatServer(() => null);
    const error = await expectStrataError(
      new LlmSummarizer({ baseUrl: silent.url, model: 'm', timeoutMs: 150 }).summarize(INPUT),
      'TIMEOUT',
    );
    expect(error.details.timeoutMs).toBe(150);
  });

  it('a session the endpoint refuses does not hold the others back; the call still raises', async () => {
    const server = await chatServer((seen) =>
      JSON.stringify(seen.body).includes('poison')
        ? { status: 400, body: { error: { message: 'bad request' } } }
        : { status: 200, body: completion('A fine summary.') },
    );
    const memory = await ram({ consolidation: { summarizer: new LlmSummarizer({ baseUrl: server.url, model: 'm' }) } });
    for (const [id, content] of [
      ['a', 'This one is poison for the model.'],
      ['b', 'We are planning a ferry trip in July.'],
    ] as const) {
      await memory.createSession({ id, userId: 'u1' });
      await memory.addMessages(id, [{ role: 'user', content }]);
    }
    await expectStrataError(memory.consolidate(), 'SUMMARIZER_FAILED');
    expect((await memory.getSession('a')).summary).toBeNull();
    expect((await memory.getSession('b')).summary).toBe('A fine summary.');
  });

  it('refuses a bad configuration', () => {
    expect(() => new LlmSummarizer({ baseUrl: 'ftp://x', model: 'm' })).toThrow('http(s) URL');
    expect(() => new LlmSummarizer({ baseUrl: 'http://x', model: ' ' })).toThrow('model');
  });

  it('drives consolidation: the session summary is the endpoint answer; a failing endpoint writes nothing', async () => {
    let status = 500;
    const server = await chatServer(() =>
      status === 200
        ? { status: 200, body: completion('The user plans a ferry trip along the Norwegian fjords in July.') }
        : { status, body: { error: { message: 'boom' } } },
    );
    const memory = await ram({ consolidation: { summarizer: new LlmSummarizer({ baseUrl: server.url, model: 'local-model' }) } });
    await memory.createSession({ id: 's1', userId: 'u1' });
    await memory.addMessages('s1', [{ role: 'user', content: 'We are planning a ferry trip along the Norwegian fjords in July.' }]);
    await expectStrataError(memory.consolidate(), 'SUMMARIZER_FAILED');
    expect((await memory.getSession('s1')).summary).toBeNull();
    expect(await memory.countMemories({ kinds: ['summary', 'note'] })).toBe(0);
    status = 200;
    expect(await memory.consolidate()).toMatchObject({ sessions: 1, summaries: 1 });
    const session = await memory.getSession('s1');
    expect(session.summary).toBe('The user plans a ferry trip along the Norwegian fjords in July.');
    const [summary] = await memory.listMemories({ kinds: ['summary'] });
    expect(summary?.metadata.summarizer).toBe('llm:local-model');
  });
});
