/**
 * Builds the native matrix product (native/see_gemm.cc + see_gemm_kernel.cc, a Node-API addon) into
 * build/native/see_gemm.node with the machine's C++ compiler ($CXX, else c++, else g++) and Node's
 * own headers (node_api.h, found beside this Node or under npm's nodedir). Nothing is downloaded.
 *
 * `npm install` runs it (postinstall): where it cannot build (no compiler, no headers, not x86-64)
 * it says why in one line and the kit uses its WebAssembly product; the install goes on.
 * `npm run native` rebuilds it and fails loudly instead. The addon is compiled to a temporary file
 * and renamed into place, so a failed build never leaves a partial addon behind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { arch } from 'node:os';
import { dirname, join } from 'node:path';
import { NATIVE_GEMM_PATH } from '../lib/backend/wasm_kernels/native_gemm';

export const NATIVE_SOURCES = [join('native', 'see_gemm.cc'), join('native', 'see_gemm_kernel.cc')];

export interface NativeBuild {
  ok: boolean;
  /** the addon's path when ok, else why it was not built */
  detail: string;
}

/** Folders that may hold node_api.h: npm's nodedir, then the tree this Node runs from. */
export function nodeHeaderCandidates(env: NodeJS.ProcessEnv = process.env, execPath = process.execPath): string[] {
  const dirs: string[] = [];
  if (env.npm_config_nodedir) dirs.push(join(env.npm_config_nodedir, 'include', 'node'));
  dirs.push(join(dirname(dirname(execPath)), 'include', 'node'), '/usr/include/node', '/usr/local/include/node');
  return dirs;
}

function compilerOf(env: NodeJS.ProcessEnv): string | undefined {
  for (const cxx of [env.CXX, 'c++', 'g++']) {
    if (cxx && spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status === 0) return cxx;
  }
  return undefined;
}

/** Compiles the addon under `root`; never throws: the result says what happened. */
export function buildNative(root: string, env: NodeJS.ProcessEnv = process.env, output = join(root, NATIVE_GEMM_PATH)): NativeBuild {
  if (arch() !== 'x64') return { ok: false, detail: `the native product is for x86-64 (AVX2); this machine is ${arch()}` };
  const cxx = compilerOf(env);
  if (!cxx) return { ok: false, detail: 'no C++ compiler ($CXX, c++ or g++)' };
  const headers = nodeHeaderCandidates(env).find((d) => existsSync(join(d, 'node_api.h')));
  if (!headers) return { ok: false, detail: `no node_api.h in ${nodeHeaderCandidates(env).join(', ')}` };
  mkdirSync(dirname(output), { recursive: true });
  const partial = `${output}.partial-${process.pid}`;
  const args = [
    '-O3',
    '-std=c++17',
    '-fPIC',
    '-shared',
    '-Wall',
    '-Wextra',
    `-I${headers}`,
    ...NATIVE_SOURCES.map((s) => join(root, s)),
    '-o',
    partial,
  ];
  const r = spawnSync(cxx, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(partial, { force: true });
    return { ok: false, detail: `${cxx} failed: ${(r.error?.message ?? r.stderr).trim().slice(-2000)}` };
  }
  renameSync(partial, output);
  return { ok: true, detail: output };
}

if (require.main === module) {
  const required = process.argv.includes('--required');
  const built = buildNative(join(__dirname, '..'));
  if (built.ok)
    console.log(`[see-kit] native matrix product built: ${built.detail} (AVX2 + FMA, 512-bit tiles where the CPU has AVX-512F)`);
  else {
    console.log(`[see-kit] native matrix product not built: ${built.detail}; the WebAssembly product is used`);
    if (required) process.exit(1);
  }
}
