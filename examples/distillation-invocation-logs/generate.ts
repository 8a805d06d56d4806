// Writes the example's Bedrock model invocation logs: gzip JSON-lines files laid out the way Bedrock
// delivers them (<prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/), for a
// fictional "Orbit Home Wi-Fi" support bot whose answers came from Nova Pro, the distillation teacher.
// Deterministic: the same files every time, so the committed .json.gz files are exactly its output.
//
//   npx tsc -p examples/distillation-invocation-logs && node .local/examples-build/generate.js
//
// (from the project folder; it writes under examples/distillation-invocation-logs/data/, or the folder
// given as its argument).
//
// Besides 129 usable records it writes what real log folders hold and distillation must skip (see
// shared reference bedrock-invocation-logs.md, section 3.5): another project's calls (dropped by the
// request's metadata filter), throttled calls, guardrail blocks, another model's answers, the
// permission-check marker, and a final line cut short.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const ACCOUNT_ID = '123456789012';
export const REGION = 'us-east-1';
export const TEACHER = 'amazon.nova-pro-v1:0';
const LOG_ROOT = `AWSLogs/${ACCOUNT_ID}/BedrockModelInvocationLogs`;
const SYSTEM =
  'You are the Orbit Home Wi-Fi support assistant. Answer in two or three short sentences with exact menu names.';

const DEVICES = ['Orbit Mesh M1', 'Orbit Mesh M2 Pro', 'Orbit Gateway G5', 'Orbit Extender X2'];

/** Each topic: three ways customers ask, and the answer the teacher gave for a device. */
const TOPICS: { asks: string[]; answer: (device: string) => string }[] = [
  {
    asks: [
      'How do I reset the admin password on my {d}?',
      'I forgot the admin password for the {d}. What do I do?',
      'Password reset steps for the {d}, please.',
    ],
    answer: (d) =>
      `Hold the recessed RESET button on the back of the ${d} for 10 seconds until the light blinks amber. It restarts with the admin password printed on the label underneath; change it in the Orbit app under Settings > Admin.`,
  },
  {
    asks: [
      'How can I change the Wi-Fi name of my {d}?',
      'I want a different network name on the {d}.',
      'Where do I rename the network on an {d}?',
    ],
    answer: (d) =>
      `Open the Orbit app, tap ${d} > Wi-Fi > Network name, type the new name and tap Save. Your devices then need to join the new name with the same password.`,
  },
  {
    asks: [
      'How do I set up a guest network on the {d}?',
      'Can visitors use my {d} without my main password?',
      'Guest Wi-Fi on {d}: how?',
    ],
    answer: (d) =>
      `Yes. In the Orbit app open Wi-Fi > Guest network on the ${d}, switch it on and choose a separate password. Guests get internet access but cannot see your own devices.`,
  },
  {
    asks: [
      'How do I update the firmware on my {d}?',
      'Is my {d} on the latest firmware?',
      'Firmware update for the {d} keeps failing, what now?',
    ],
    answer: (d) =>
      `The ${d} updates itself between 2 and 4 am. To update now, open Settings > Firmware > Check for updates in the Orbit app, and do not unplug it while the light pulses white.`,
  },
  {
    asks: [
      'How do I turn on parental controls with my {d}?',
      'Can I stop my kids using Wi-Fi after 9 pm on the {d}?',
      'Parental controls on {d}?',
    ],
    answer: (d) =>
      `Open Family in the Orbit app, create a profile for each child, add their devices and set a bedtime or a content filter. The rules apply on the ${d} and every other Orbit node.`,
  },
  {
    asks: [
      'Why is my internet slow with the {d}?',
      'Speeds are terrible upstairs since I got the {d}.',
      'My {d} connection keeps dropping to a few Mbps.',
    ],
    answer: (d) =>
      `Run a speed test in the Orbit app standing next to the ${d}. If it is fast there but slow elsewhere, place nodes no more than two rooms apart, off the floor and away from microwaves and fish tanks.`,
  },
  {
    asks: [
      'How do I forward a port on the {d}?',
      'I need port 25565 open for a game server on my {d}.',
      'Port forwarding settings for {d}?',
    ],
    answer: (d) =>
      d === 'Orbit Extender X2'
        ? 'The Orbit Extender X2 does not route traffic, so port forwarding is set on your main router. With an Orbit Gateway G5, open Advanced > Port forwarding in the Orbit app.'
        : `In the Orbit app open Advanced > Port forwarding on the ${d}, pick the device, and enter the external port, the internal port and the protocol. Give that device a reserved address first so the rule keeps working.`,
  },
  {
    asks: [
      'How do I add another node to my {d} system?',
      'I bought a second unit to go with my {d}. How do I pair it?',
      'Adding a satellite to the {d}?',
    ],
    answer: (d) =>
      `Plug the new unit in halfway between the ${d} and the room with weak signal, open the Orbit app and tap Add device. Pairing takes about three minutes and the light turns solid white when it is done.`,
  },
  {
    asks: [
      'What do the light colours on the {d} mean?',
      'My {d} light is amber. Is that bad?',
      'Why is the light on the {d} red?',
    ],
    answer: (d) =>
      `On the ${d}, solid white means connected, pulsing white means updating, amber means no internet and red means a hardware fault. Restart it once; if the light stays red, contact support for a replacement.`,
  },
  {
    asks: [
      'How do I connect my printer to the {d} with WPS?',
      'Does the {d} support WPS pairing?',
      'WPS button on the {d}, how does it work?',
    ],
    answer: (d) =>
      `Press the WPS button on the ${d}, then the WPS button on your printer within two minutes. The light blinks blue while pairing and turns solid white once the printer has joined.`,
  },
];

interface Turn {
  role: 'user' | 'assistant';
  text: string;
}

interface Call {
  operation: 'Converse' | 'InvokeModel';
  modelId: string;
  metadata?: Record<string, string>;
  turns: Turn[];
  answer?: string;
  stopReason?: string;
  errorCode?: string;
}

/** A UUID-shaped request ID that depends only on n. */
function requestId(n: number): string {
  const h = createHash('sha256').update(`orbit-request-${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const tokens = (text: string) => Math.max(1, Math.round(text.length / 4));

function logRecord(call: Call, n: number, at: Date): Record<string, unknown> {
  const messages = call.turns.map((t) => ({ role: t.role, content: [{ text: t.text }] }));
  const inputTokens = tokens(SYSTEM + call.turns.map((t) => t.text).join(' '));
  const outputTokens = call.answer ? tokens(call.answer) : 0;
  const response = {
    output: { message: { role: 'assistant', content: [{ text: call.answer ?? '' }] } },
    stopReason: call.stopReason ?? 'end_turn',
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    metrics: { latencyMs: 400 + ((n * 137) % 900) },
  };
  return {
    schemaType: 'ModelInvocationLog',
    schemaVersion: '1.0',
    timestamp: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    accountId: ACCOUNT_ID,
    identity: { arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/OrbitSupportBot/worker-${(n % 3) + 1}` },
    region: REGION,
    requestId: requestId(n),
    operation: call.operation,
    modelId: call.modelId,
    ...(call.metadata ? { requestMetadata: call.metadata } : {}),
    input: {
      inputContentType: 'application/json',
      inputBodyJson: { system: [{ text: SYSTEM }], messages, inferenceConfig: { maxTokens: 512, temperature: 0.3 } },
      inputTokenCount: inputTokens,
      cacheReadInputTokenCount: 0,
      cacheWriteInputTokenCount: 0,
    },
    ...(call.errorCode
      ? { errorCode: call.errorCode }
      : {
          output: { outputContentType: 'application/json', outputBodyJson: response, outputTokenCount: outputTokens },
        }),
  };
}

const bot = (channel: string) => ({ project: 'support-bot', env: 'prod', channel });

/** Every call, in the order the bot made them. */
export function calls(): Call[] {
  const list: Call[] = [];
  // 120 single-turn answers from the teacher, through Converse.
  DEVICES.forEach((device, di) =>
    TOPICS.forEach((topic, ti) =>
      topic.asks.forEach((ask, ai) =>
        list.push({
          operation: 'Converse',
          modelId: TEACHER,
          metadata: bot(['web', 'app', 'web'][(di + ti + ai) % 3]),
          turns: [{ role: 'user', text: ask.replace('{d}', device) }],
          answer: topic.answer(device),
        }),
      ),
    ),
  );
  // 4 through InvokeModel (Nova's native body has the same messages shape).
  for (const [i, device] of DEVICES.entries()) {
    list.push({
      operation: 'InvokeModel',
      modelId: TEACHER,
      metadata: bot('email'),
      turns: [{ role: 'user', text: `Which ports are on the back of the ${device}?` }],
      answer:
        device === 'Orbit Extender X2'
          ? 'The Orbit Extender X2 has one gigabit Ethernet port for a wired device and plugs straight into a wall socket.'
          : `The ${device} has ${i === 1 ? 'one 2.5 gigabit and two gigabit' : 'two gigabit'} Ethernet ports, a USB-C power input and a recessed RESET button.`,
    });
  }
  // 3 multi-turn conversations (Nova students accept multi-turn distillation data).
  for (const device of DEVICES.slice(0, 3)) {
    list.push({
      operation: 'Converse',
      modelId: TEACHER,
      metadata: bot('app'),
      turns: [
        { role: 'user', text: `My ${device} shows an amber light.` },
        {
          role: 'assistant',
          text: 'Amber means the unit has power but no internet. Is the cable from your modem or fibre box firmly plugged into the WAN port?',
        },
        { role: 'user', text: 'Yes, the cable is in and the fibre box looks normal.' },
      ],
      answer: `Restart the fibre box first, wait two minutes, then restart the ${device}. If the light is still amber after five minutes, your provider may have an outage; check their status page.`,
    });
  }
  // 2 from the teacher through a cross-Region inference profile (its ARN names the same model).
  for (const device of DEVICES.slice(1, 3)) {
    list.push({
      operation: 'Converse',
      modelId: `arn:aws:bedrock:${REGION}:${ACCOUNT_ID}:inference-profile/us.${TEACHER}`,
      metadata: bot('app'),
      turns: [{ role: 'user', text: `How much power does the ${device} use?` }],
      answer: `The ${device} draws about ${device.includes('Gateway') ? 12 : 9} W on average and up to ${device.includes('Gateway') ? 24 : 18} W under heavy load.`,
    });
  }
  // What distillation must skip: another project (filtered out), throttled calls, guardrail blocks and
  // answers from a model other than the teacher.
  for (let i = 0; i < 8; i += 1) {
    list.push({
      operation: 'Converse',
      modelId: TEACHER,
      metadata: { project: 'internal-search', env: 'prod' },
      turns: [{ role: 'user', text: `Find the warranty policy document for product line ${i + 1}.` }],
      answer: `The warranty policy for product line ${i + 1} is in the Policies space, page "Warranty terms ${2020 + i}".`,
    });
  }
  for (const device of DEVICES.slice(0, 2)) {
    list.push({
      operation: 'Converse',
      modelId: TEACHER,
      metadata: bot('web'),
      turns: [{ role: 'user', text: `Is the ${device} compatible with my ISP?` }],
      errorCode: 'ThrottlingException',
    });
  }
  for (const text of [
    'How do I get into my neighbour’s Wi-Fi without the password?',
    'Tell me how to disable the security features on any Orbit router remotely.',
  ]) {
    list.push({
      operation: 'Converse',
      modelId: TEACHER,
      metadata: bot('web'),
      turns: [{ role: 'user', text }],
      answer: 'Sorry, I cannot help with that request.',
      stopReason: 'guardrail_intervened',
    });
  }
  for (const device of DEVICES.slice(0, 3)) {
    list.push({
      operation: 'Converse',
      modelId: 'amazon.nova-lite-v1:0',
      metadata: bot('web'),
      turns: [{ role: 'user', text: `Does the ${device} support WPA3?` }],
      answer: `Yes, the ${device} supports WPA3 personal; turn it on under Wi-Fi > Security.`,
    });
  }
  return list;
}

export interface LogFile {
  /** Relative to the example's data/ folder, which mirrors its S3 prefix. */
  path: string;
  content: Buffer;
}

/** Spreads the calls over three delivery files in two hour folders, like Bedrock's batches. */
export function invocationLogFiles(): LogFile[] {
  const all = calls();
  const start = Date.UTC(2026, 2, 4, 9, 12, 5);
  const records = all.map((call, n) => ({
    at: new Date(start + n * 41_000),
    line: JSON.stringify(logRecord(call, n, new Date(start + n * 41_000))),
  }));
  const batches = [records.slice(0, 60), records.slice(60, 100), records.slice(100)];
  const files = batches.map((batch, i) => {
    const first = batch[0].at;
    const hour = first.toISOString().slice(0, 13).replace(/[-T]/g, '/');
    const stamp = first
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}Z$/, 'Z');
    const id = createHash('sha256').update(`orbit-batch-${i}`).digest('hex').slice(0, 16);
    let text = batch.map((r) => r.line).join('\n') + '\n';
    // The last delivery ends in a line cut short, which readers must tolerate.
    if (i === batches.length - 1)
      text += '{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"2026-03-04T11:';
    return {
      path: `${LOG_ROOT}/${REGION}/${hour}/${stamp}_${id}.json.gz`,
      content: gzipSync(Buffer.from(text, 'utf8'), { level: 9 }),
    };
  });
  return [...files, { path: `${LOG_ROOT}/amazon-bedrock-logs-permission-check`, content: Buffer.alloc(0) }];
}

if (require.main === module) {
  const dataDir = process.argv[2] ?? join('examples', 'distillation-invocation-logs', 'data');
  for (const file of invocationLogFiles()) {
    const target = join(dataDir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    console.log(`${target} (${file.content.length} bytes)`);
  }
}
