//! The CUDA sources themselves, compiled as C++ for the host with an emulation of the few CUDA
//! built-ins they use, launched thread by thread, and compared bit for bit with the CPU twins.
//!
//! Host C++ and Rust both call the system libm for `log`, `sin`, `exp`, ..., and g++ is told not
//! to contract multiply-adds (as NVRTC is, with `--fmad=false`), so any difference here is a
//! transcription error in a kernel, found on a machine without a GPU. Skipped, visibly, when no
//! C++ compiler is installed.

use crate::device::philox::PhiloxKey;
use crate::echo::kernel::{EchoData, THREADS, random_points, toy_spectrum};
use crate::echo::likelihood::LikelihoodKind;
use crate::echo::template::DurationFactor;
use crate::estimator::ParamGuard;
use crate::expfam::kernels::chain::ChainRisk;
use crate::expfam::kernels::normal::NormalRisk;
use crate::expfam::kernels::poisson::PoissonRisk;
use crate::expfam::truth::Truth;
use crate::ldp::kernels::cells::Cells;
use crate::ldp::kernels::iht_round::{IhtRound, USERS_PER_THREAD};
use crate::ldp::kernels::messages::CHUNK;
use crate::ldp::regression::iht::IhtProblem;
use crate::ldp::regression::nldp::NldpParams;
use crate::ldp::regression::simulate::RademacherDesign;
use std::fmt::Write as _;
use std::process::Command;

/// Stand-ins for the CUDA built-ins the kernels use; `__shared__` memory becomes a static array.
const EMULATION: &str = r#"
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>
#define __device__
#define __global__
#define __forceinline__ inline
#define __constant__ static const
struct vs_dim3 { unsigned int x, y, z; };
static vs_dim3 blockIdx, threadIdx, blockDim;
static inline unsigned int __umulhi(unsigned int a, unsigned int b) {
    return (unsigned int)(((unsigned long long)a * (unsigned long long)b) >> 32);
}
static inline void __syncthreads() {}
static inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
static inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
    return (unsigned long long)(((unsigned __int128)a * b) >> 64);
}
static inline unsigned long long atomicAdd(unsigned long long* a, unsigned long long v) {
    unsigned long long old = *a;
    *a = old + v;
    return old;
}
static double vs_emulated_shared[1024];
static std::vector<double> vs_from_bits(const unsigned long long* b, size_t n) {
    std::vector<double> v(n);
    std::memcpy(v.data(), b, n * sizeof(double));
    return v;
}
static void vs_put(double d) {
    unsigned long long b;
    std::memcpy(&b, &d, sizeof b);
    std::printf("%016llx\n", b);
}
static void vs_block_dim(unsigned int bx) { blockDim.x = bx; blockDim.y = 1; blockDim.z = 1; }
"#;

fn bits_array(name: &str, v: &[f64]) -> String {
    let mut s = format!("static const unsigned long long {name}_BITS[] = {{");
    for x in v {
        let _ = write!(s, "0x{:016x}ull,", x.to_bits());
    }
    if v.is_empty() {
        s.push_str("0ull");
    }
    s.push_str("};\n");
    let _ = writeln!(
        s,
        "static std::vector<double> {name} = vs_from_bits({name}_BITS, {});",
        v.len()
    );
    s
}

fn int_array(name: &str, v: &[i32]) -> String {
    let body: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    let body = if body.is_empty() {
        "0".to_string()
    } else {
        body.join(",")
    };
    format!("static const int {name}[] = {{{body}}};\n")
}

/// The generated program: global input arrays, the launches in `main`, and for each case a
/// label and the values the twin produced, in the order the program prints them.
struct Harness {
    globals: String,
    body: String,
    expected: Vec<(String, Vec<f64>)>,
}

impl Harness {
    fn expfam(&mut self, id: usize, truth: &str, n: usize, first: u64, count: usize) {
        let nr = NormalRisk::new(&Truth::parse(truth, 1).unwrap()).unwrap();
        let key = PhiloxKey::new(id as u64, "emulate-expfam");
        let twin = nr.replicates_cpu(key, first, count, n).unwrap();
        let (kind, p1, p2) = nr.truth().code();
        let pr = nr.kernel_params();
        let [k0, k1] = key.0;
        let _ = write!(
            self.body,
            r#"{{
    std::vector<double> kl({count}), q({count});
    vs_block_dim(32);
    for (unsigned int b = 0; b < {g}; ++b) for (unsigned int t = 0; t < 32; ++t) {{
        blockIdx.x = b; threadIdx.x = t;
        vs_expfam_normal_risk({k0}u, {k1}u, {first}ull, {count}u, {n}u, {kind}, {p1:e}, {p2:e},
            {a:e}, {b:e}, {c:e}, {d:e}, {e:e}, {f:e}, {h:e}, kl.data(), q.data());
    }}
    for (double x : kl) vs_put(x);
    for (double x : q) vs_put(x);
}}
"#,
            g = count.div_ceil(32),
            a = pr[0],
            b = pr[1],
            c = pr[2],
            d = pr[3],
            e = pr[4],
            f = pr[5],
            h = pr[6],
        );
        let mut v: Vec<f64> = twin.iter().map(|d| d.kl).collect();
        v.extend(twin.iter().map(|d| d.q));
        self.expected.push((format!("expfam {truth} n={n}"), v));
    }

    fn poisson(&mut self, id: usize, truth: &str, n: usize, first: u64, count: usize) {
        let pr = PoissonRisk::new(&Truth::parse(truth, 1).unwrap()).unwrap();
        let key = PhiloxKey::new(id as u64, "emulate-expfam-poisson");
        let twin = pr.replicates_cpu(key, first, count, n).unwrap();
        let (kind, p1, p2) = pr.truth().code();
        let [mu, eta, iinv] = pr.kernel_params();
        let [k0, k1] = key.0;
        let _ = write!(
            self.body,
            r#"{{
    std::vector<double> kl({count}), q({count});
    vs_block_dim(32);
    for (unsigned int b = 0; b < {g}; ++b) for (unsigned int t = 0; t < 32; ++t) {{
        blockIdx.x = b; threadIdx.x = t;
        vs_expfam_poisson_risk({k0}u, {k1}u, {first}ull, {count}u, {n}u, {kind}, {p1:e}, {p2:e},
            {mu:e}, {eta:e}, {iinv:e}, kl.data(), q.data());
    }}
    for (double x : kl) vs_put(x);
    for (double x : q) vs_put(x);
}}
"#,
            g = count.div_ceil(32),
        );
        let mut v: Vec<f64> = twin.iter().map(|d| d.kl).collect();
        v.extend(twin.iter().map(|d| d.q));
        self.expected
            .push((format!("expfam poisson {truth} n={n}"), v));
    }

    fn chain(&mut self, id: usize, truth: &Truth, n: usize, first: u64, count: usize) {
        let cr = ChainRisk::new(truth).unwrap();
        let key = PhiloxKey::new(id as u64, "emulate-expfam-chain");
        let twin = cr.replicates_cpu(key, first, count, n).unwrap();
        self.globals += &bits_array(&format!("CHAIN_P_{id}"), &cr.kernel_params());
        let [k0, k1] = key.0;
        let d = cr.d();
        let _ = write!(
            self.body,
            r#"{{
    std::vector<double> kl({count}), q({count});
    vs_block_dim(32);
    for (unsigned int b = 0; b < {g}; ++b) for (unsigned int t = 0; t < 32; ++t) {{
        blockIdx.x = b; threadIdx.x = t;
        vs_expfam_chain_risk({k0}u, {k1}u, {first}ull, {count}u, {n}u, {d}u,
            CHAIN_P_{id}.data(), kl.data(), q.data());
    }}
    for (double x : kl) vs_put(x);
    for (double x : q) vs_put(x);
}}
"#,
            g = count.div_ceil(32),
        );
        let mut v: Vec<f64> = twin.iter().map(|d| d.kl).collect();
        v.extend(twin.iter().map(|d| d.q));
        self.expected.push((format!("expfam chain d={d} n={n}"), v));
    }

    fn ldp(&mut self, id: usize, users: usize, d: usize, public: bool) {
        let mut r = crate::rng::stream(id as u64, "emulate-ldp", 0);
        use rand::RngExt;
        let x: Vec<f64> = (0..users * d)
            .map(|_| 3.0 * (r.random::<f64>() - 0.5) / (r.random::<f64>() + 0.2))
            .collect();
        let y: Vec<f64> = (0..users)
            .map(|i| x[i * d] + 2.0 * (r.random::<f64>() - 0.5))
            .collect();
        let msg = NldpParams::new(0.5, 1e-5)
            .tau(1.5, 2.0)
            .radius(2.0)
            .check()
            .unwrap()
            .messages(d, public)
            .unwrap();
        let key = PhiloxKey::new(id as u64, "emulate-ldp");
        let twin = msg.aggregate_cpu(key, &x, &y).unwrap();
        let (js, ls) = msg.pair_table();
        let (ne, tri) = (msg.entries(), msg.tri());
        let chunks = users.div_ceil(CHUNK);
        let (s1, s2) = msg.sigma();
        let [k0, k1] = key.0;
        self.globals += &bits_array(&format!("LDP_X_{id}"), &x);
        self.globals += &bits_array(&format!("LDP_Y_{id}"), &y);
        self.globals += &int_array(&format!("LDP_JS_{id}"), &js);
        self.globals += &int_array(&format!("LDP_LS_{id}"), &ls);
        let _ = write!(
            self.body,
            r#"{{
    std::vector<double> xb({users} * {d}), xty({users} * {d}), partial({chunks} * {ne}), out({ne});
    vs_block_dim(256);
    for (unsigned int b = 0; b < {ub}; ++b) for (unsigned int t = 0; t < 256; ++t) {{
        blockIdx.x = b; threadIdx.x = t;
        vs_ldp_features(LDP_X_{id}.data(), LDP_Y_{id}.data(), {users}ull, {d}u, 1.5, 2.0, 2.0,
            xb.data(), xty.data());
    }}
    vs_block_dim(128);
    for (unsigned int c = 0; c < {chunks}; ++c) for (unsigned int t = 0; t < 128; ++t) {{
        blockIdx.x = c; blockIdx.y = 0; threadIdx.x = t;
        vs_ldp_chunk_sums({k0}u, {k1}u, xb.data(), xty.data(), {users}ull, {d}u, {tri}u, {ne}u,
            LDP_JS_{id}, LDP_LS_{id}, {s1:e}, {s2:e}, {CHUNK}u, partial.data());
    }}
    for (unsigned int t = 0; t < 128; ++t) {{
        blockIdx.x = 0; threadIdx.x = t;
        vs_ldp_reduce(partial.data(), {chunks}ull, {ne}u, out.data());
    }}
    for (double v : out) vs_put(v);
}}
"#,
            ub = users.div_ceil(256),
        );
        self.expected.push((
            format!("ldp users={users} d={d} public={public}"),
            twin.entries,
        ));
    }

    /// `vs_ldp_cells` for replicates `reps` with `threads` threads per block: every phase run
    /// by every thread before the next (the kernel's barriers); Σxxᵀ entries printed as doubles
    /// (integers below 2^53, so equal bits mean equal counts).
    #[allow(clippy::too_many_arguments)]
    fn cells(
        &mut self,
        id: usize,
        d: usize,
        k: usize,
        n: u64,
        tau2: f64,
        reps: &[u64],
        threads: u32,
    ) {
        let des = RademacherDesign::new(d, k, 0.5).unwrap();
        let job = Cells::new(&des, n, tau2).unwrap();
        let key = PhiloxKey::new(id as u64, "emulate-cells");
        let twin = job.moments_cpu(key, reps).unwrap();
        let [k0, k1] = key.0;
        let (count, tri, phases) = (reps.len(), job.tri(), job.phases());
        let (size, np) = (1usize << (d + 1), 1usize << d);
        self.globals += &bits_array(&format!("CELLS_THETA_{id}"), job.theta());
        let reps_list: Vec<String> = reps.iter().map(|r| format!("{r}ull")).collect();
        let _ = writeln!(
            self.globals,
            "static const unsigned long long CELLS_REPS_{id}[] = {{{}}};",
            reps_list.join(",")
        );
        let _ = write!(
            self.body,
            r#"{{
    std::vector<unsigned long long> cells({count} * {size});
    std::vector<long long> cnt({count} * {np}), xx({count} * {tri});
    std::vector<double> ys({count} * {np}), xy({count} * {d});
    for (unsigned int b = 0; b < {count}; ++b)
        for (unsigned int ph = 0; ph < {phases}; ++ph)
            for (unsigned int t = 0; t < {threads}; ++t)
                vs_cells_phase({k0}u, {k1}u, CELLS_REPS_{id}[b], {n}ull, {d}u, CELLS_THETA_{id}.data(),
                    {noise:e}, {tau2:e}, cells.data() + b * {size}, cnt.data() + b * {np},
                    ys.data() + b * {np}, xx.data() + b * {tri}, xy.data() + b * {d}, ph, t, {threads}u);
    for (unsigned int b = 0; b < {count}; ++b) {{
        for (unsigned int e = 0; e < {tri}; ++e) vs_put((double)xx[b * {tri} + e]);
        for (unsigned int j = 0; j < {d}; ++j) vs_put(xy[b * {d} + j]);
    }}
}}
"#,
            noise = job.noise(),
        );
        let mut v = Vec::new();
        for m in &twin {
            v.extend(m.xx.iter().map(|&x| x as f64));
            v.extend_from_slice(&m.xy);
        }
        self.expected
            .push((format!("ldp cells d={d} n={n} tau2={tau2}"), v));
    }

    /// One LDP-IHT round (the last of two) for the replicates `reps` at random θ: the sums
    /// G·B·c, c the kernel's integer counts.
    fn iht(&mut self, id: usize, d: usize, k: usize, users: u64, reps: &[u64]) {
        let problem = IhtProblem {
            n: 2 * users,
            epsilon: 0.7,
            d,
            k,
            noise: 0.5,
            rounds: 2,
            step: 1.0,
            tau1: 1.0,
            tau2: 1.5,
            l1_radius: 2.0,
        };
        let round = IhtRound::new(&problem, 1).unwrap();
        let mut r = crate::rng::stream(id as u64, "emulate-ldp-iht", 0);
        use rand::RngExt;
        // Large enough that the gradient clipping at G binds for some users.
        let theta: Vec<f64> = (0..reps.len() * d)
            .map(|_| 2.0 * (r.random::<f64>() - 0.5))
            .collect();
        let key = PhiloxKey::new(id as u64, "emulate-ldp-iht");
        let twin = round.round_cpu(key, reps, &theta).unwrap();
        let (noise, tau1, tau2) = round.design();
        let (g, gb, pi) = round.mechanism();
        let [k0, k1] = key.0;
        let np = reps.len();
        let threads = np as u64 * users.div_ceil(u64::from(USERS_PER_THREAD));
        self.globals += &bits_array(&format!("IHT_THETA_{id}"), &theta);
        let reps_s: Vec<String> = reps.iter().map(|v| format!("{v}ull")).collect();
        let _ = writeln!(
            self.globals,
            "static const unsigned long long IHT_REPS_{id}[] = {{{}}};",
            reps_s.join(",")
        );
        let _ = write!(
            self.body,
            r#"{{
    std::vector<unsigned long long> counts({np} * {d}, 0ull);
    vs_block_dim(128);
    for (unsigned int b = 0; b < {blocks}; ++b) for (unsigned int t = 0; t < 128; ++t) {{
        blockIdx.x = b; threadIdx.x = t;
        vs_ldp_iht_round({k0}u, {k1}u, IHT_REPS_{id}, {np}ull, {users}ull, 1u, {d}u, {k}u,
            {noise:e}, {tau1:e}, {tau2:e}, {g:e}, {pi:e}, {USERS_PER_THREAD}u,
            IHT_THETA_{id}.data(), counts.data());
    }}
    for (unsigned long long c : counts) vs_put((double)(long long)c * {gb:e});
}}
"#,
            blocks = threads.div_ceil(128),
        );
        self.expected
            .push((format!("ldp-iht d={d} k={k} users={users}"), twin));
    }

    fn echo(&mut self, id: usize, kind: LikelihoodKind, factor: DurationFactor) {
        let spec = toy_spectrum(240, id as u64).unwrap();
        let fmax = *spec.freq().last().unwrap();
        let pts = random_points(40, fmax, id as u64);
        let data = EchoData::new(&spec, kind, factor);
        let mirror: Vec<f64> = pts.iter().map(|p| data.log_ratio_mirror(p)).collect();
        let flat: Vec<f64> = pts.iter().flat_map(|p| p.to_array()).collect();
        for (name, v) in [
            ("FREQ", &data.freq),
            ("WRE", &data.w_re),
            ("WIM", &data.w_im),
            ("WABS", &data.w_abs),
            ("V", &data.v),
            ("P", &flat),
        ] {
            self.globals += &bits_array(&format!("ECHO_{name}_{id}"), v);
        }
        let _ = write!(
            self.body,
            r#"{{
    for (unsigned int b = 0; b < {np}; ++b) {{
        double part[{THREADS}];
        for (unsigned int t = 0; t < {THREADS}; ++t)
            part[t] = vs_echo_thread(ECHO_FREQ_{id}.data(), ECHO_WRE_{id}.data(),
                ECHO_WIM_{id}.data(), ECHO_WABS_{id}.data(), ECHO_V_{id}.data(), {nb}u,
                {f0:e}, {df:e}, {dur:e}, {sign:e}, {kn}, ECHO_P_{id}.data() + 6 * b, t, {THREADS}u);
        for (unsigned int s = {THREADS} / 2; s > 0; s >>= 1)
            for (unsigned int t = 0; t < s; ++t) part[t] += part[t + s];
        vs_put(part[0]);
    }}
}}
"#,
            np = pts.len(),
            nb = data.freq.len(),
            f0 = data.f0,
            df = data.df,
            dur = data.duration,
            sign = data.sign,
            kn = i32::from(kind == LikelihoodKind::New),
        );
        self.expected
            .push((format!("echo {} {factor:?}", kind.name()), mirror));
    }
}

fn compiler() -> Option<&'static str> {
    ["g++", "c++", "clang++"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn cuda_sources_compiled_for_the_host_equal_the_twins_bit_for_bit() {
    let Some(cxx) = compiler() else {
        // Straight to the stderr handle: libtest captures eprintln! of passing tests.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED registry::emulate: no C++ compiler (g++, c++, clang++) to compile the CUDA sources for the host"
        );
        return;
    };
    let mut h = Harness {
        globals: String::new(),
        body: String::new(),
        expected: Vec::new(),
    };
    h.expfam(1, "normal:1,2", 40, 5, 70);
    h.expfam(2, "gamma:4", 50, 0, 64);
    h.expfam(3, "gamma:0.7", 30, 1 << 33, 33);
    // Poisson: the PTRS branch (nμ, Gamma means ≥ 10) and the multiplication branch (nμ < 10).
    h.poisson(12, "negbin:5,0.5", 200, 3, 70);
    h.poisson(13, "poisson:4", 50, 1 << 33, 40);
    h.poisson(14, "poisson:0.3", 20, 0, 33);
    // Chain: the claim's case C (d = 4) and a d = 6 chain with an AR(1) truth.
    let eq = |d: usize, rho: f64, ar: bool| Truth::Gaussian {
        mean: nalgebra::DVector::from_fn(d, |i, _| 1.0 - 0.3 * i as f64),
        cov: nalgebra::DMatrix::from_fn(d, d, |i, j| {
            if i == j {
                1.0 + 0.1 * i as f64
            } else if ar {
                rho.powi((i as i32 - j as i32).abs())
            } else {
                rho
            }
        }),
    };
    h.chain(15, &eq(4, 0.5, false), 60, 7, 45);
    h.chain(16, &eq(6, 0.6, true), 30, 1 << 34, 37);
    h.ldp(4, 600, 4, false);
    h.ldp(5, 300, 3, true);
    h.cells(20, 4, 2, 1_000_000_000_000, 1.5, &[0, 5, 1 << 40], 256);
    // Fair-bit splits only, and clipping that binds (|⟨x, θ*⟩ ± 0.5| up to 1.5 > 0.9).
    h.cells(21, 3, 1, 37, 0.9, &[2, 3], 32);
    // A public Gram matrix: no clipping, n = 1e13.
    h.cells(22, 5, 3, 10_000_000_000_000, f64::MAX, &[7], 64);
    h.iht(10, 5, 2, 300, &[0, 5, 1 << 33]);
    h.iht(11, 8, 3, 1000, &[2, 1]);
    h.iht(12, 63, 4, 70, &[9]);
    for (i, kind) in [LikelihoodKind::New, LikelihoodKind::Old]
        .into_iter()
        .enumerate()
    {
        for (j, factor) in [DurationFactor::Reference, DurationFactor::Exact]
            .into_iter()
            .enumerate()
        {
            h.echo(6 + 2 * i + j, kind, factor);
        }
    }
    let program = super::program().replace(
        "extern __shared__ double part[];",
        "double* part = vs_emulated_shared;",
    );
    let src = format!(
        "{EMULATION}\n{program}\n{}\nint main() {{\n{}\nreturn 0;\n}}\n",
        h.globals, h.body
    );
    let dir = std::env::temp_dir().join(format!(
        "veristat-emulate-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (cpp, exe) = (dir.join("kernels.cpp"), dir.join("kernels"));
    std::fs::write(&cpp, src).unwrap();
    // -ffp-contract=off: no fused multiply-adds, as NVRTC's --fmad=false.
    let out = Command::new(cxx)
        .args(["-std=c++17", "-O1", "-ffp-contract=off", "-w", "-o"])
        .arg(&exe)
        .arg(&cpp)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{cxx} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().unwrap();
    assert!(run.status.success());
    let got: Vec<f64> = String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(|l| f64::from_bits(u64::from_str_radix(l.trim(), 16).unwrap()))
        .collect();
    let mut at = 0;
    for (name, want) in &h.expected {
        let g = &got[at..at + want.len()];
        for (i, (a, b)) in g.iter().zip(want).enumerate() {
            assert_eq!(
                a.to_bits(),
                b.to_bits(),
                "{name}, output {i}: CUDA source on the host {a:e}, twin {b:e}"
            );
        }
        at += want.len();
    }
    assert_eq!(at, got.len(), "extra output from the emulation");
    let _ = std::fs::remove_dir_all(&dir);
}
