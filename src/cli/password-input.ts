/**
 * Reading passwords without exposing them: from stdin (`--password-stdin`, for scripts) or from an
 * interactive prompt that does not echo. Never from a flag value, which `ps` shows to every user.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError, usageError } from './cli-error.js';

/** All of stdin, as text. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The lines given on stdin (trailing newline dropped, like `docker login --password-stdin`). */
export async function passwordLinesFromStdin(): Promise<string[]> {
  const text = (await readStdin()).replace(/\r?\n$/, '');
  if (text === '') throw usageError('--password-stdin: nothing was given on stdin');
  return text.split(/\r?\n/);
}

/** True when a person can answer a prompt. */
export function canPrompt(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/** Asks a question on the terminal (on stderr); the answer is not echoed when `secret`. */
export async function ask(question: string, secret: boolean): Promise<string> {
  if (!canPrompt()) throw usageError(`cannot ask for ${question.replace(/:\s*$/, '').toLowerCase()}: stdin is not a terminal (use --password-stdin)`);
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise<string>((resolve, reject) => {
    let answered = false;
    rl.on('SIGINT', () => {
      rl.close();
    });
    rl.on('close', () => {
      if (answered) return;
      if (secret) process.stderr.write('\n');
      reject(new CliError('cancelled'));
    });
    rl.question(question, (answer) => {
      answered = true;
      if (secret) process.stderr.write('\n');
      rl.close();
      resolve(answer);
    });
    // question() wrote the prompt synchronously; from here on what is typed stays off the screen.
    muted = secret;
  });
}

/**
 * A new password: from stdin when asked to (`--password-stdin`) or when stdin is not a terminal
 * (`echo secret | berth user create bob`: a pipe is what "read from stdin" promises), else asked
 * for twice on the terminal.
 */
export async function newPassword(label: string, fromStdin: boolean): Promise<string> {
  if (fromStdin || process.stdin.isTTY !== true) {
    const lines = await passwordLinesFromStdin();
    if (lines.length !== 1) throw usageError('give the password on one line of stdin');
    return lines[0] as string;
  }
  return askNewPassword(label);
}

/** Asks for a new password twice; throws when the two differ or it is empty. */
export async function askNewPassword(label = 'New password'): Promise<string> {
  const first = await ask(`${label}: `, true);
  if (first === '') throw usageError('the password must not be empty');
  const second = await ask(`Repeat ${label.charAt(0).toLowerCase()}${label.slice(1)}: `, true);
  if (first !== second) throw usageError('the passwords do not match');
  return first;
}
