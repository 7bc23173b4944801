// Embody run viewer: WebGL playback of a recorded run, plots linked to the timeline, events.
// Written for Embody; no libraries. World frame: z up, metres. Data layout: ViewerPage.swift (PageData).
'use strict';
(function () {
  const D = JSON.parse(document.getElementById('embody-data').textContent);
  const $ = (id) => document.getElementById(id);

  // ---------- data ----------
  function f32(b64) {
    const s = atob(b64), u = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
    return new Float32Array(u.buffer);
  }
  const frameT = f32(D.frames.t), linkPoses = f32(D.frames.links), objectPoses = f32(D.frames.objects);
  const comPos = f32(D.frames.com), contactData = f32(D.frames.contacts);
  const nLinks = D.links.length, nObjects = D.objects.length, nContacts = D.frames.contactLinks.length;
  const nFrames = frameT.length;
  const seriesT = f32(D.series.t);
  const series = {};
  for (const k of Object.keys(D.series.channels)) series[k] = f32(D.series.channels[k]);
  const tEnd = nFrames ? frameT[nFrames - 1] : 0;

  // ---------- small linear algebra (column-major 4×4, as WebGL takes it) ----------
  const M = {
    ident() { return new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]); },
    mul(a, b) {
      const o = new Float32Array(16);
      for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += a[k * 4 + r] * b[c * 4 + k];
        o[c * 4 + r] = s;
      }
      return o;
    },
    // Rigid transform from position p and unit quaternion (x, y, z, w).
    pose(px, py, pz, x, y, z, w) {
      return new Float32Array([
        1 - 2 * (y * y + z * z), 2 * (x * y + z * w), 2 * (x * z - y * w), 0,
        2 * (x * y - z * w), 1 - 2 * (x * x + z * z), 2 * (y * z + x * w), 0,
        2 * (x * z + y * w), 2 * (y * z - x * w), 1 - 2 * (x * x + y * y), 0,
        px, py, pz, 1]);
    },
    scale(sx, sy, sz) { return new Float32Array([sx, 0, 0, 0, 0, sy, 0, 0, 0, 0, sz, 0, 0, 0, 0, 1]); },
    perspective(fovy, aspect, near, far) {
      const f = 1 / Math.tan(fovy / 2), nf = 1 / (near - far);
      return new Float32Array([f / aspect, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) * nf, -1, 0, 0, 2 * far * near * nf, 0]);
    },
    lookAt(e, t, u) {
      let zx = e[0] - t[0], zy = e[1] - t[1], zz = e[2] - t[2];
      let l = Math.hypot(zx, zy, zz); zx /= l; zy /= l; zz /= l;
      let xx = u[1] * zz - u[2] * zy, xy = u[2] * zx - u[0] * zz, xz = u[0] * zy - u[1] * zx;
      l = Math.hypot(xx, xy, xz); xx /= l; xy /= l; xz /= l;
      const yx = zy * xz - zz * xy, yy = zz * xx - zx * xz, yz = zx * xy - zy * xx;
      return new Float32Array([xx, yx, zx, 0, xy, yy, zy, 0, xz, yz, zz, 0,
        -(xx * e[0] + xy * e[1] + xz * e[2]), -(yx * e[0] + yy * e[1] + yz * e[2]), -(zx * e[0] + zy * e[1] + zz * e[2]), 1]);
    },
  };

  // ---------- WebGL ----------
  const canvas = $('view');
  // alpha: false makes the canvas opaque, so the compositor need not blend it over the page behind it; on
  // SwiftShader that is about 12% of a frame's CPU time (docs/viewer.md, frame rate). The page clears to an
  // opaque colour anyway, so nothing looks different.
  const gl = canvas.getContext('webgl', { antialias: false, alpha: false, stencil: true, preserveDrawingBuffer: false });
  if (!gl) throw new Error('WebGL is not available in this browser');

  const VS = `
attribute vec3 aPos; attribute vec3 aNormal;
uniform mat4 uViewProj; uniform mat4 uModel; uniform mat4 uFlatten;
varying vec3 vNormal; varying vec3 vWorld;
void main() {
  vec4 w = uFlatten * uModel * vec4(aPos, 1.0);
  vWorld = w.xyz;
  vNormal = mat3(uModel) * aNormal;
  gl_Position = uViewProj * w;
}`;
  // Three fragment shaders, so that each pixel runs only what it needs (SwiftShader renders on the CPU).
  const FS_LIT = `
precision mediump float;
uniform vec4 uColor; uniform vec3 uLight;
varying vec3 vNormal; varying vec3 vWorld;
void main() {
  vec3 n = normalize(vNormal);
  float key = max(dot(n, uLight), 0.0);
  float sky = 0.5 + 0.5 * n.z;                                   // hemisphere ambient: lighter from above
  gl_FragColor = vec4(uColor.rgb * (0.28 + 0.22 * sky + 0.6 * key), uColor.a);
}`;
  const FS_FLAT = `
precision mediump float;
uniform vec4 uColor;
void main() { gl_FragColor = uColor; }`;
  // Ground: grey that fades with distance, and a 0.5 m grid of 3 cm lines.
  const FS_GROUND = `
precision mediump float;
varying vec3 vNormal; varying vec3 vWorld;
void main() {
  vec2 g = abs(fract(vWorld.xy * 2.0 - 0.5) - 0.5);
  float line = step(min(g.x, g.y), 0.03);
  float fade = clamp(length(vWorld.xy) / 12.0, 0.0, 1.0);
  vec3 base = mix(vec3(0.86, 0.88, 0.9), vec3(0.80, 0.82, 0.85), fade);
  gl_FragColor = vec4(mix(base, vec3(0.66, 0.7, 0.75), line * (1.0 - fade)), 1.0);
}`;

  function compile(type, src) {
    const s = gl.createShader(type);
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error('shader: ' + gl.getShaderInfoLog(s));
    return s;
  }
  const vertexShader = compile(gl.VERTEX_SHADER, VS);
  function program(fs) {
    const prog = gl.createProgram();
    gl.attachShader(prog, vertexShader);
    gl.attachShader(prog, compile(gl.FRAGMENT_SHADER, fs));
    gl.bindAttribLocation(prog, 0, 'aPos');
    gl.bindAttribLocation(prog, 1, 'aNormal');
    gl.linkProgram(prog);
    if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) throw new Error('program: ' + gl.getProgramInfoLog(prog));
    const u = (n) => gl.getUniformLocation(prog, n);
    return { prog, viewProj: u('uViewProj'), model: u('uModel'), flatten: u('uFlatten'), color: u('uColor'), light: u('uLight') };
  }
  const programs = { lit: program(FS_LIT), flat: program(FS_FLAT), ground: program(FS_GROUND) };
  const loc = { pos: 0, normal: 1 };
  let current = null;
  function use(p, viewProj) {
    if (current !== p) { gl.useProgram(p.prog); current = p; }
    if (viewProj) gl.uniformMatrix4fv(p.viewProj, false, viewProj);
  }
  const light = [0.35, 0.25, 0.9];
  { const l = Math.hypot(...light); light[0] /= l; light[1] /= l; light[2] /= l; }
  gl.useProgram(programs.lit.prog);
  gl.uniform3fv(programs.lit.light, light);
  // Shadows: every vertex projected along the light onto z = 1 mm.
  const flatten = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0,
    -light[0] / light[2], -light[1] / light[2], 0, 0, 0, 0, 0.001, 1]);

  // Triangle soup with flat or given normals → a buffer of interleaved position, normal.
  function upload(pos, nrm) {
    const n = pos.length / 3, data = new Float32Array(n * 6);
    for (let i = 0; i < n; i++) {
      data.set(pos.subarray(3 * i, 3 * i + 3), 6 * i);
      data.set(nrm.subarray(3 * i, 3 * i + 3), 6 * i + 3);
    }
    const b = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, b);
    gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
    return { buffer: b, count: n };
  }
  function flatNormals(pos) {
    const nrm = new Float32Array(pos.length);
    for (let i = 0; i < pos.length; i += 9) {
      const ax = pos[i + 3] - pos[i], ay = pos[i + 4] - pos[i + 1], az = pos[i + 5] - pos[i + 2];
      const bx = pos[i + 6] - pos[i], by = pos[i + 7] - pos[i + 1], bz = pos[i + 8] - pos[i + 2];
      let nx = ay * bz - az * by, ny = az * bx - ax * bz, nz = ax * by - ay * bx;
      const l = Math.hypot(nx, ny, nz) || 1; nx /= l; ny /= l; nz /= l;
      for (let k = 0; k < 3; k++) { nrm[i + 3 * k] = nx; nrm[i + 3 * k + 1] = ny; nrm[i + 3 * k + 2] = nz; }
    }
    return nrm;
  }
  // Surfaces of revolution about z: profile of (radius, z, normal r, normal z) points.
  function lathe(profile, segments) {
    const p = [], n = [];
    for (let s = 0; s < segments; s++) {
      const a0 = 2 * Math.PI * s / segments, a1 = 2 * Math.PI * (s + 1) / segments;
      const c0 = Math.cos(a0), s0 = Math.sin(a0), c1 = Math.cos(a1), s1 = Math.sin(a1);
      for (let i = 0; i + 1 < profile.length; i++) {
        const [r0, z0, nr0, nz0] = profile[i], [r1, z1, nr1, nz1] = profile[i + 1];
        const v = [[r0 * c0, r0 * s0, z0, nr0 * c0, nr0 * s0, nz0], [r0 * c1, r0 * s1, z0, nr0 * c1, nr0 * s1, nz0],
          [r1 * c1, r1 * s1, z1, nr1 * c1, nr1 * s1, nz1], [r1 * c0, r1 * s0, z1, nr1 * c0, nr1 * s0, nz1]];
        for (const k of [0, 1, 2, 0, 2, 3]) { p.push(v[k][0], v[k][1], v[k][2]); n.push(v[k][3], v[k][4], v[k][5]); }
      }
    }
    return upload(new Float32Array(p), new Float32Array(n));
  }
  function arc(r, zc, from, to, steps) {   // quarter/half circle profile for spheres and caps
    const out = [];
    for (let i = 0; i <= steps; i++) {
      const a = from + (to - from) * i / steps;
      out.push([r * Math.cos(a), zc + r * Math.sin(a), Math.cos(a), Math.sin(a)]);
    }
    return out;
  }
  function cylinderProfile(r, h) {
    return [[0, -h / 2, 0, -1], [r, -h / 2, 0, -1], [r, -h / 2, 1, 0], [r, h / 2, 1, 0], [r, h / 2, 0, 1], [0, h / 2, 0, 1]];
  }
  const unitBox = (() => {
    const p = [], f = [[0, 1, 2], [1, 2, 0], [2, 0, 1]];
    for (const [a, b, c] of f) for (const s of [-0.5, 0.5]) {
      const q = [[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]];
      const order = s > 0 ? [0, 1, 2, 0, 2, 3] : [0, 2, 1, 0, 3, 2];
      for (const k of order) { const v = [0, 0, 0]; v[a] = s; v[b] = q[k][0]; v[c] = q[k][1]; p.push(...v); }
    }
    const pos = new Float32Array(p);
    return upload(pos, flatNormals(pos));
  })();
  const unitSphere = lathe(arc(1, 0, -Math.PI / 2, Math.PI / 2, 10), 20);
  const unitCylinder = lathe(cylinderProfile(1, 1), 20);
  const unitCone = lathe([[0, 0, 0, -1], [1, 0, 0, -1], [1, 0, 0.7, 0.7], [0, 1, 0.7, 0.7]], 16);

  // A drawable: buffer, local matrix (shape placement and scale), colour.
  function shapeDrawable(v) {
    const o = v.origin, place = M.pose(o[0], o[1], o[2], o[3], o[4], o[5], o[6]);
    const color = v.rgba;
    switch (v.type) {
      case 'box': return { mesh: unitBox, local: M.mul(place, M.scale(v.size[0], v.size[1], v.size[2])), color };
      case 'sphere': return { mesh: unitSphere, local: M.mul(place, M.scale(v.radius, v.radius, v.radius)), color };
      case 'cylinder': return { mesh: unitCylinder, local: M.mul(place, M.scale(v.radius, v.radius, v.length)), color };
      case 'capsule': {
        const r = v.radius, h = v.length;
        const prof = arc(r, -h / 2, -Math.PI / 2, 0, 6).concat(arc(r, h / 2, 0, Math.PI / 2, 6));
        return { mesh: lathe(prof, 20), local: place, color };
      }
      case 'mesh': {
        const pos = f32(v.positions);
        return { mesh: upload(pos, flatNormals(pos)), local: place, color };
      }
    }
    return null;
  }
  const linkDrawables = D.links.map((l) => l.visuals.map(shapeDrawable).filter(Boolean));
  const objectDrawables = D.objects.map((o) => shapeDrawable(o.visual));
  const ground = (() => {
    const s = 40, pos = new Float32Array([-s, -s, 0, s, -s, 0, s, s, 0, -s, -s, 0, s, s, 0, -s, s, 0]);
    return upload(pos, flatNormals(pos));
  })();

  function drawMesh(mesh, model, color, p, flat) {
    gl.bindBuffer(gl.ARRAY_BUFFER, mesh.buffer);
    gl.vertexAttribPointer(loc.pos, 3, gl.FLOAT, false, 24, 0);
    gl.vertexAttribPointer(loc.normal, 3, gl.FLOAT, false, 24, 12);
    gl.uniformMatrix4fv(p.model, false, model);
    gl.uniformMatrix4fv(p.flatten, false, flat || IDENT);
    if (p.color) gl.uniform4fv(p.color, color);
    gl.drawArrays(gl.TRIANGLES, 0, mesh.count);
  }
  gl.enableVertexAttribArray(0);
  gl.enableVertexAttribArray(1);
  const IDENT = M.ident();

  // ---------- camera ----------
  // Orbit camera about `target`: yaw about z, pitch above the horizon, distance in m; vertical field of view.
  const cam = { target: [0, 0, 0.6], yaw: -0.9, pitch: 0.3, distance: 3.2, fovy: 45 * Math.PI / 180, follow: false };
  (function frameRobot() {
    if (!nFrames) return;
    let lo = [1e9, 1e9, 1e9], hi = [-1e9, -1e9, -1e9];
    for (let i = 0; i < nLinks; i++) for (let k = 0; k < 3; k++) {
      const v = linkPoses[7 * i + k]; lo[k] = Math.min(lo[k], v); hi[k] = Math.max(hi[k], v);
    }
    cam.target = [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2];
    const size = Math.max(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2], 0.5);
    cam.distance = 2.2 * size + 0.6;
  })();
  function eye() {
    const c = Math.cos(cam.pitch);
    return [cam.target[0] + cam.distance * c * Math.cos(cam.yaw), cam.target[1] + cam.distance * c * Math.sin(cam.yaw),
      cam.target[2] + cam.distance * Math.sin(cam.pitch)];
  }

  // ---------- state and rendering ----------
  const vis = { robot: true, overlays: true };
  const state = { t: 0, frame: 0, playing: false, speed: 1 };
  let group = 'all';

  function frameAt(t) {   // the last frame at or before t
    let lo = 0, hi = nFrames - 1;
    if (t <= frameT[0]) return 0;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (frameT[mid] <= t + 1e-9) lo = mid; else hi = mid - 1; }
    return lo;
  }

  function resize() {
    const w = Math.max(1, Math.round(canvas.clientWidth * devicePixelRatio));
    const h = Math.max(1, Math.round(canvas.clientHeight * devicePixelRatio));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  }

  function render() {
    resize();
    const f = state.frame;
    if (cam.follow && nFrames) {
      const b = 7 * nLinks * f;
      cam.target = [linkPoses[b], linkPoses[b + 1], Math.max(0.3, linkPoses[b + 2])];
    }
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.clearColor(0.93, 0.95, 0.97, 1);
    gl.clearStencil(0);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT | gl.STENCIL_BUFFER_BIT);
    gl.enable(gl.DEPTH_TEST);
    gl.enable(gl.CULL_FACE);
    const e = eye();
    const view = M.lookAt(e, cam.target, [0, 0, 1]);
    const proj = M.perspective(cam.fovy, canvas.width / canvas.height, 0.02, 200);
    const viewProj = M.mul(proj, view);

    // World matrices of every drawable at this frame.
    const items = [];
    if (vis.robot) for (let i = 0; i < nLinks; i++) {
      const b = 7 * (nLinks * f + i);
      const link = M.pose(linkPoses[b], linkPoses[b + 1], linkPoses[b + 2], linkPoses[b + 3], linkPoses[b + 4],
        linkPoses[b + 5], linkPoses[b + 6]);
      for (const d of linkDrawables[i]) items.push([d.mesh, M.mul(link, d.local), d.color]);
    }
    for (let i = 0; i < nObjects; i++) {
      const d = objectDrawables[i]; if (!d) continue;
      const b = 7 * (nObjects * f + i);
      const p = M.pose(objectPoses[b], objectPoses[b + 1], objectPoses[b + 2], objectPoses[b + 3], objectPoses[b + 4],
        objectPoses[b + 5], objectPoses[b + 6]);
      items.push([d.mesh, M.mul(p, d.local), d.color]);
    }
    const overlays = [];
    if (vis.robot && vis.overlays) overlayItems(f, overlays);

    if (D.meta.ground) {
      gl.disable(gl.CULL_FACE);
      use(programs.ground, viewProj);
      drawMesh(ground, IDENT, null, programs.ground);
      gl.enable(gl.CULL_FACE);
      if ($('showShadows').checked) {   // each shadow pixel darkened once (stencil)
        gl.enable(gl.STENCIL_TEST);
        gl.stencilFunc(gl.EQUAL, 0, 0xff);
        gl.stencilOp(gl.KEEP, gl.KEEP, gl.INCR);
        gl.enable(gl.BLEND);
        gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
        gl.depthMask(false);
        gl.disable(gl.CULL_FACE);
        use(programs.flat, viewProj);
        for (const [mesh, model] of items) drawMesh(mesh, model, [0.1, 0.12, 0.16, 0.28], programs.flat, flatten);
        gl.enable(gl.CULL_FACE);
        gl.depthMask(true);
        gl.disable(gl.BLEND);
        gl.disable(gl.STENCIL_TEST);
      }
    }
    use(programs.lit, viewProj);
    for (const [mesh, model, color] of items) drawMesh(mesh, model, color, programs.lit);
    gl.disable(gl.DEPTH_TEST);   // markers stay visible through the robot
    for (const [mesh, model, color] of overlays) drawMesh(mesh, model, color, programs.lit);
    gl.enable(gl.DEPTH_TEST);
  }

  // Contact force arrows (1 m per `newtonsPerMetre` N) and the centre of mass with its ground projection.
  const newtonsPerMetre = 400;
  function arrow(out, p, v, color, radius) {
    const len = Math.hypot(v[0], v[1], v[2]);
    if (len < 1e-6) return;
    const z = [v[0] / len, v[1] / len, v[2] / len];
    const a = Math.abs(z[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
    let x = [a[1] * z[2] - a[2] * z[1], a[2] * z[0] - a[0] * z[2], a[0] * z[1] - a[1] * z[0]];
    const lx = Math.hypot(...x); x = x.map((c) => c / lx);
    const y = [z[1] * x[2] - z[2] * x[1], z[2] * x[0] - z[0] * x[2], z[0] * x[1] - z[1] * x[0]];
    const head = Math.min(0.3 * len, 0.06), shaft = len - head;
    const basis = (o, s) => new Float32Array([x[0], x[1], x[2], 0, y[0], y[1], y[2], 0, z[0] * s, z[1] * s, z[2] * s, 0, o[0], o[1], o[2], 1]);
    out.push([unitCylinder, M.mul(basis([p[0] + z[0] * shaft / 2, p[1] + z[1] * shaft / 2, p[2] + z[2] * shaft / 2], shaft), M.scale(radius, radius, 1)), color]);
    out.push([unitCone, M.mul(basis([p[0] + z[0] * shaft, p[1] + z[1] * shaft, p[2] + z[2] * shaft], head), M.scale(2.2 * radius, 2.2 * radius, 1)), color]);
  }
  function overlayItems(f, out) {
    if ($('showContacts').checked) for (let c = 0; c < nContacts; c++) {
      const b = 6 * (nContacts * f + c);
      const F = [contactData[b], contactData[b + 1], contactData[b + 2]];
      if (Math.hypot(...F) < 1e-3) continue;
      arrow(out, [contactData[b + 3], contactData[b + 4], contactData[b + 5]], F.map((v) => v / newtonsPerMetre), [0.9, 0.35, 0.1, 1], 0.008);
    }
    if ($('showCom').checked && comPos.length) {
      const c = [comPos[3 * f], comPos[3 * f + 1], comPos[3 * f + 2]];
      out.push([unitSphere, M.mul(M.pose(c[0], c[1], c[2], 0, 0, 0, 1), M.scale(0.03, 0.03, 0.03)), [0.85, 0.1, 0.55, 1]]);
      if (D.meta.ground) {
        out.push([unitCylinder, M.mul(M.pose(c[0], c[1], 0.002, 0, 0, 0, 1), M.scale(0.045, 0.045, 0.004)), [0.85, 0.1, 0.55, 1]]);
        out.push([unitCylinder, M.mul(M.pose(c[0], c[1], c[2] / 2, 0, 0, 0, 1), M.scale(0.003, 0.003, c[2])), [0.85, 0.1, 0.55, 0.8]]);
      }
    }
  }

  // ---------- plots ----------
  const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  const CURSOR = '#ff2d55';
  const plots = [];
  function jointsOf(g) { return (D.groups[g] || D.joints.map((j) => j.name)); }
  function unitOf(name) { const j = D.joints.find((x) => x.name === name); return j ? j.unit : 'rad'; }

  function plotSpecs() {
    const names = jointsOf(group), specs = [];
    const hasRef = names.some((n) => series['ref.q.' + n]);
    const u = names.length && names.every((n) => unitOf(n) === 'm') ? 'm' : 'rad';
    specs.push({ title: hasRef ? 'Joint position q (solid) and reference q* (dashed)' : 'Joint position q', unit: u,
      lines: names.flatMap((n, i) => {
        const l = [{ label: n, data: series['q.' + n], color: palette[i % 10] }];
        if (series['ref.q.' + n]) l.push({ data: series['ref.q.' + n], color: palette[i % 10], dash: [5, 4] });
        return l;
      }) });
    if (hasRef) specs.push({ title: 'Tracking error q* − q', unit: u,
      lines: names.map((n, i) => ({ label: n, color: palette[i % 10], data: diff(series['ref.q.' + n], series['q.' + n]) })) });
    else specs.push({ note: 'This log has no reference channels (ref.q.*), so q* and the tracking error cannot be drawn; it was recorded before they were added.' });
    specs.push({ title: 'Applied torque τ, with effort limits (dotted)', unit: 'N·m or N',
      lines: names.flatMap((n, i) => {
        const l = [{ label: n, data: series['tau.' + n], color: palette[i % 10] }];
        const j = D.joints.find((x) => x.name === n);
        if (j && j.effort != null && isFinite(j.effort)) l.push({ constant: j.effort, color: palette[i % 10], dash: [1, 3] }, { constant: -j.effort, color: palette[i % 10], dash: [1, 3] });
        return l;
      }) });
    if (!D.meta.fixedBase) {
      specs.push({ title: 'Base height z', unit: 'm', lines: [{ label: 'base z', data: series['base.z'], color: palette[0] }] });
      specs.push({ title: 'Base orientation (roll, pitch, yaw)', unit: 'rad',
        lines: ['roll', 'pitch', 'yaw'].map((a, i) => ({ label: a, data: series['base.' + a], color: palette[i] })) });
    }
    const contactLines = D.frames.contactLinks.filter((l) => series['contact.' + l + '.norm'])
      .map((l, i) => ({ label: l, data: series['contact.' + l + '.norm'], color: palette[i % 10] }));
    if (contactLines.length) specs.push({ title: 'Contact force |F| per link', unit: 'N', lines: contactLines });
    else if (!D.meta.contactChannels) specs.push({ note: 'This log has no contact channels (contact.*); it was recorded before they were added.' });
    return specs;
  }
  function diff(a, b) {
    if (!a || !b) return null;
    const o = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) o[i] = a[i] - b[i];
    return o;
  }
  // Round tick values (1, 2 or 5 × 10^k apart): at least three, as close to n as the spacings allow.
  function niceTicks(lo, hi, n) {
    const span = hi - lo, mag = Math.pow(10, Math.floor(Math.log10(span / n)));
    const candidates = [10, 5, 2, 1, 0.5, 0.2, 0.1].map((k) => k * mag);
    const count = (s) => Math.floor(hi / s) - Math.ceil(lo / s) + 1;
    let step = candidates[candidates.length - 1];
    for (const s of candidates) if (count(s) >= 3 && Math.abs(count(s) - n) < Math.abs(count(step) - n)) step = s;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-6; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }
  function fmt(v) { const a = Math.abs(v); return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(1) : +v.toPrecision(4) + ''; }

  function buildPlots() {
    const box = $('plots');
    box.textContent = '';
    plots.length = 0;
    for (const spec of plotSpecs()) {
      if (spec.note) { const p = document.createElement('p'); p.className = 'note'; p.textContent = spec.note; box.appendChild(p); continue; }
      const div = document.createElement('div'); div.className = 'plot';
      // The cursor is a positioned element, so moving it repaints nothing but itself.
      const base = document.createElement('canvas'), line = document.createElement('div');
      line.className = 'cursor';
      div.append(base, line);
      box.appendChild(div);
      const plot = { spec, div, base, line };
      div.addEventListener('mousedown', (ev) => {
        const r = div.getBoundingClientRect();
        const t = plot.t0 + (ev.clientX - r.left - plot.x0) / (plot.x1 - plot.x0) * (plot.t1 - plot.t0);
        seek(Math.min(Math.max(t, 0), tEnd));
      });
      plots.push(plot);
    }
    drawPlots();
  }

  function drawPlots() {
    for (const p of plots) { drawPlot(p); p.cursorX = null; }
    drawCursors();
  }
  function drawPlot(p) {
    const w = p.div.clientWidth, h = p.div.clientHeight, r = devicePixelRatio;
    p.base.width = Math.round(w * r); p.base.height = Math.round(h * r);
    const g = p.base.getContext('2d', { alpha: false });   // opaque (filled white below): less to composite
    g.setTransform(r, 0, 0, r, 0, 0);
    g.fillStyle = 'white'; g.fillRect(0, 0, w, h);
    const lines = p.spec.lines.filter((l) => l.data || l.constant != null);
    let lo = Infinity, hi = -Infinity;
    for (const l of lines) {
      if (l.constant != null) continue;
      for (const v of l.data) if (isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
    // Limits widen the range only when they are near the data, so small signals stay readable.
    for (const l of lines) if (l.constant != null && isFinite(lo) && Math.abs(l.constant) <= 3 * Math.max(Math.abs(lo), Math.abs(hi))) {
      lo = Math.min(lo, l.constant); hi = Math.max(hi, l.constant);
    }
    if (!isFinite(lo)) { lo = -1; hi = 1; }
    if (hi - lo < 1e-9) { lo -= 0.5 * (Math.abs(lo) || 1); hi += 0.5 * (Math.abs(hi) || 1); }
    const pad = 0.06 * (hi - lo); lo -= pad; hi += pad;
    p.x0 = 52; p.x1 = w - 8; p.y0 = h - 22; p.y1 = 18;
    p.t0 = 0; p.t1 = tEnd > 0 ? tEnd : 1; p.lo = lo; p.hi = hi;
    const X = (t) => p.x0 + (t - p.t0) / (p.t1 - p.t0) * (p.x1 - p.x0);
    const Y = (v) => p.y0 + (v - lo) / (hi - lo) * (p.y1 - p.y0);
    g.font = '11px system-ui, sans-serif';
    g.strokeStyle = '#e3e6ea'; g.fillStyle = '#56606c'; g.lineWidth = 1;
    g.textAlign = 'right'; g.textBaseline = 'middle';
    for (const v of niceTicks(lo, hi, 4)) {
      const y = Math.round(Y(v)) + 0.5;
      g.beginPath(); g.moveTo(p.x0, y); g.lineTo(p.x1, y); g.stroke();
      g.fillText(fmt(v), p.x0 - 4, y);
    }
    g.textAlign = 'center'; g.textBaseline = 'top';
    for (const t of niceTicks(p.t0, p.t1, 6)) {
      const x = Math.round(X(t)) + 0.5;
      g.beginPath(); g.moveTo(x, p.y1); g.lineTo(x, p.y0); g.stroke();
      g.fillText(fmt(t) + (t === 0 ? ' s' : ''), x, p.y0 + 3);
    }
    g.strokeStyle = '#9aa3ae'; g.strokeRect(p.x0 + 0.5, p.y1 + 0.5, p.x1 - p.x0, p.y0 - p.y1);
    // Events as thin vertical marks.
    for (const e of D.events) {
      g.strokeStyle = e.kind === 'fall' || e.kind === 'criterion_failure' ? '#c73a3a' : e.kind.startsWith('disturbance') ? '#e07b18' : '#b9a6e6';
      const x = Math.round(X(e.t)) + 0.5;
      g.beginPath(); g.moveTo(x, p.y1); g.lineTo(x, p.y0); g.stroke();
    }
    g.save();
    g.beginPath(); g.rect(p.x0, p.y1, p.x1 - p.x0, p.y0 - p.y1); g.clip();
    for (const l of lines) {
      g.strokeStyle = l.color; g.setLineDash(l.dash || []); g.lineWidth = 1.2;
      g.beginPath();
      if (l.constant != null) { g.moveTo(p.x0, Y(l.constant)); g.lineTo(p.x1, Y(l.constant)); }
      else {
        let pen = false;
        for (let i = 0; i < l.data.length; i++) {
          const v = l.data[i];
          if (!isFinite(v)) { pen = false; continue; }
          if (pen) g.lineTo(X(seriesT[i]), Y(v)); else { g.moveTo(X(seriesT[i]), Y(v)); pen = true; }
        }
      }
      g.stroke();
    }
    g.restore();
    g.setLineDash([]);
    // Title with unit, then the legend.
    g.textAlign = 'left'; g.textBaseline = 'top'; g.fillStyle = '#1d232b'; g.font = '600 11px system-ui, sans-serif';
    const title = p.spec.title + ' [' + p.spec.unit + ']';
    g.fillText(title, p.x0, 2);
    let x = p.x0 + g.measureText(title).width + 12;
    g.font = '11px system-ui, sans-serif';
    for (const l of lines) {
      if (!l.label) continue;
      const tw = g.measureText(l.label).width;
      if (x + tw + 16 > p.x1) break;
      g.fillStyle = l.color; g.fillRect(x, 6, 10, 3);
      g.fillStyle = '#3b434d'; g.fillText(l.label, x + 13, 2);
      x += tw + 22;
    }
  }
  function drawCursors() {
    for (const p of plots) {
      const x = Math.round(p.x0 + (state.t - p.t0) / (p.t1 - p.t0) * (p.x1 - p.x0));
      if (x === p.cursorX) continue;
      p.cursorX = x;
      p.line.style.top = p.y1 + 'px';
      p.line.style.height = (p.y0 - p.y1) + 'px';
      p.line.style.transform = 'translateX(' + (x - 1) + 'px)';
    }
  }

  // ---------- timeline, controls ----------
  // While playing, a frame changes no page content (only the 3D canvas and composited transforms): any change
  // costs a repaint and raster on top of the compositing, about 1.5 ms of CPU per frame on SwiftShader, and kept
  // the page below 60 frames/s (docs/viewer.md). So the scrubber's thumb moves by a transform every frame, the
  // range input's value is set only when paused, and the clock's text is rewritten at most 15 times a second
  // of wall time while playing (every frame's time when paused, stepping or seeking).
  const scrub = $('scrub'), thumb = $('thumb'), clock = $('clock'), playButton = $('play');
  let thumbX = null, clockShownAt = -Infinity;
  function showTime(now) {
    const fraction = tEnd > 0 ? state.t / tEnd : 0;
    const x = Math.round(fraction * scrub.clientWidth);
    if (x !== thumbX) { thumbX = x; thumb.style.transform = 'translateX(' + x + 'px)'; }
    if (!state.playing || now === undefined || now - clockShownAt >= 1000 / 15) {
      clockShownAt = now === undefined ? -Infinity : now;
      const text = state.t.toFixed(3) + ' s';
      if (clock.textContent !== text) clock.textContent = text;
    }
    if (!state.playing) scrub.value = String(Math.round(1000 * fraction));
    const symbol = state.playing ? '⏸' : '▶';
    if (playButton.textContent !== symbol) playButton.textContent = symbol;
  }
  function seek(t) {
    state.t = Math.min(Math.max(t, 0), tEnd);
    state.frame = frameAt(state.t);
    render(); drawCursors(); showTime();
  }
  function setPlaying(on) {
    if (on && state.t >= tEnd) state.t = 0;
    state.playing = on; last = null; showTime();
  }
  let last = null;
  function tick(now) {
    if (state.playing) {
      if (last != null) {
        state.t += (now - last) / 1000 * state.speed;
        if (state.t >= tEnd) {
          if (probe) state.t = 0;   // a frame-rate measurement loops, so that every frame it counts draws
          else { state.t = tEnd; state.playing = false; }
        }
      }
      last = now;
      state.frame = frameAt(state.t);
      render(); drawCursors(); showTime(now);
    }
    probeFrame(now);
    requestAnimationFrame(tick);
  }
  $('play').onclick = () => setPlaying(!state.playing);
  $('back').onclick = () => { setPlaying(false); seek(frameT[Math.max(0, state.frame - 1)]); };
  $('fwd').onclick = () => { setPlaying(false); seek(frameT[Math.min(nFrames - 1, state.frame + 1)]); };
  $('speed').onchange = (e) => { state.speed = +e.target.value; };
  scrub.oninput = () => { setPlaying(false); seek(tEnd * scrub.value / 1000); };
  $('follow').onchange = (e) => { cam.follow = e.target.checked; render(); };
  for (const id of ['showContacts', 'showCom', 'showShadows']) $(id).onchange = () => render();
  document.addEventListener('keydown', (e) => {
    if (e.target.tagName === 'SELECT' || e.target.tagName === 'INPUT' && e.target.type !== 'range') return;
    if (e.key === ' ') { setPlaying(!state.playing); e.preventDefault(); }
    if (e.key === 'ArrowLeft') $('back').onclick();
    if (e.key === 'ArrowRight') $('fwd').onclick();
  });
  // Orbit, pan, zoom.
  let drag = null;
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  canvas.addEventListener('mousedown', (e) => { drag = { x: e.clientX, y: e.clientY, pan: e.shiftKey || e.button === 2 }; });
  window.addEventListener('mouseup', () => { drag = null; });
  window.addEventListener('mousemove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    drag.x = e.clientX; drag.y = e.clientY;
    if (drag.pan) {
      // The camera's right vector is (−sin yaw, cos yaw, 0); the scene follows the pointer.
      const s = cam.distance * 0.0015, sy = Math.sin(cam.yaw), cy = Math.cos(cam.yaw);
      cam.target[0] += s * dx * sy; cam.target[1] -= s * dx * cy;
      cam.target[2] += s * dy;
    } else {
      cam.yaw -= dx * 0.008;
      cam.pitch = Math.min(1.5, Math.max(-0.2, cam.pitch + dy * 0.008));
    }
    render();
  });
  canvas.addEventListener('wheel', (e) => {
    cam.distance = Math.min(60, Math.max(0.2, cam.distance * Math.exp(e.deltaY * 0.001)));
    render(); e.preventDefault();
  }, { passive: false });
  window.addEventListener('resize', () => { render(); drawPlots(); thumbX = null; showTime(); });

  // ---------- run facts, metrics, events ----------
  function fill() {
    const m = D.meta;
    $('title').textContent = m.scenario;
    const o = $('outcome');
    o.textContent = m.outcome;
    o.className = 'badge ' + (m.outcome === 'success' ? 'success' : m.outcome === 'incomplete' ? 'other' : 'fail');
    $('facts').textContent = 'seed ' + m.seed + ' · ' + m.duration.toFixed(3) + ' s · state ' + m.stateHash;
    const rows = [['description', m.description], ['seed', m.seed], ['outcome', m.outcome], ['state hash', m.stateHash],
      ['scenario text hash', m.scenarioHash], ['Embody', m.embodyVersion], ['physics step', m.dt + ' s'],
      ['records', m.records + ' (every ' + m.recordEvery + ' ticks' + (m.truncatedTail ? ', truncated tail ignored' : '') + ')'],
      ['3D frames', nFrames + ' (every ' + m.frameStride + ' records)'], ['plot samples', m.seriesSamples + ' per channel']];
    const table = $('metaTable');
    for (const [k, v] of rows) { const tr = table.insertRow(); tr.insertCell().textContent = k; tr.insertCell().textContent = v; }
    const mt = $('metrics');
    for (const c of m.criteria) {
      const tr = mt.insertRow();
      tr.insertCell().textContent = c.metric;
      const v = tr.insertCell(); v.className = 'num'; v.textContent = fmt(c.value);
      const r = tr.insertCell(); r.className = c.passed ? 'pass' : 'failtext'; r.textContent = (c.passed ? 'pass ' : 'FAIL ') + c.bound;
    }
    for (const k of Object.keys(m.metrics).sort()) {
      if (m.criteria.some((c) => c.metric === k)) continue;
      const tr = mt.insertRow();
      tr.insertCell().textContent = k;
      const v = tr.insertCell(); v.className = 'num'; v.textContent = fmt(m.metrics[k]);
    }
    const list = $('events'), marks = $('marks');
    for (const e of D.events) {
      const li = document.createElement('li');
      li.textContent = e.t.toFixed(3) + ' s  ' + e.label;
      li.onclick = () => { setPlaying(false); seek(e.t); };
      list.appendChild(li);
      const s = document.createElement('span');
      s.className = e.kind; s.title = e.t.toFixed(3) + ' s ' + e.label;
      s.style.left = (100 * (tEnd > 0 ? e.t / tEnd : 0)) + '%';
      s.onclick = li.onclick;
      marks.appendChild(s);
    }
    const sel = $('group');
    for (const g of Object.keys(D.groups).sort((a, b) => (a === 'all' ? -1 : b === 'all' ? 1 : a < b ? -1 : 1))) {
      const opt = document.createElement('option'); opt.value = g; opt.textContent = g + ' (' + D.groups[g].length + ')';
      sel.appendChild(opt);
    }
    sel.value = 'all';
    sel.onchange = () => { group = sel.value; buildPlots(); };
  }

  // ---------- test and automation hook (docs/viewer.md) ----------
  let probe = null;
  function probeFrame(now) {
    if (!probe) return;
    probe.stamps.push(now);
    if (now - probe.stamps[0] >= probe.ms) { const p = probe; probe = null; p.done(p.stamps); }
  }
  window.embodyViewer = {
    seek(t) { setPlaying(false); seek(t); return state.t; },
    play() { setPlaying(true); },
    pause() { setPlaying(false); },
    state() {
      return { t: state.t, end: tEnd, frame: state.frame, frameTime: frameT[state.frame], playing: state.playing,
        plots: plots.map((p) => ({ title: p.spec.title, lines: p.spec.lines.filter((l) => l.data).length,
          cursorX: p.cursorX, x0: p.x0, x1: p.x1, y0: p.y0, y1: p.y1, t0: p.t0, t1: p.t1,
          rect: (() => { const r = p.div.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })() })) };
    },
    // The camera as numbers: eye, target, up (world, m), vertical field of view (rad), canvas rect (CSS px).
    camera() {
      const r = canvas.getBoundingClientRect();
      return { eye: eye(), target: cam.target.slice(), up: [0, 0, 1], fovy: cam.fovy, rect: [r.left, r.top, r.width, r.height] };
    },
    setCamera(c) { Object.assign(cam, c); cam.follow = false; $('follow').checked = false; render(); },
    setVisible(v) { Object.assign(vis, v); render(); },
    // Plays for `ms` milliseconds and resolves to the frames per second shown, from requestAnimationFrame
    // times, with the intervals between frames (ms): the longest, the 99th percentile, and `late`, how many
    // exceeded 1.5 display frames (25 ms at 60 Hz: a frame the display showed twice). Every counted frame draws
    // a new time: playback loops to 0 at the end of the run while measuring (frames after the end would draw
    // nothing and cost nothing). Pauses when done.
    measureFps(ms) {
      return new Promise((resolve) => {
        setPlaying(true);
        probe = { ms, stamps: [], done(s) {
          setPlaying(false);
          const gaps = [];
          for (let i = 1; i < s.length; i++) gaps.push(s[i] - s[i - 1]);
          gaps.sort((a, b) => a - b);
          const n = gaps.length;
          resolve({ frames: n, fps: n / ((s[s.length - 1] - s[0]) / 1000),
            longestMs: n ? gaps[n - 1] : 0, p99Ms: n ? gaps[Math.min(n - 1, Math.floor(0.99 * n))] : 0,
            late: gaps.filter((g) => g > 1.5 * 1000 / 60).length });
        } };
      });
    },
    linkNames: D.links.map((l) => l.name),
    events: D.events,
    ready: false,
    openMs: null,
  };

  fill();
  buildPlots();
  const hash = /[#&]t=([0-9.eE+-]+)/.exec(location.hash);
  seek(hash ? Math.min(Math.max(+hash[1] || 0, 0), tEnd) : 0);
  window.embodyViewer.openMs = performance.now();   // from navigation start to the first frame drawn
  window.embodyViewer.ready = true;
  requestAnimationFrame(tick);
})();
