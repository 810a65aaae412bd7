/* nbody: floating-point n-body simulation. All-pairs gravitational forces with a
 * softening term between a few hundred bodies (random masses, positions and
 * velocities), leapfrog (kick-drift) integration, total energy before and after.
 * Only +, -, *, / and sqrt, which IEEE 754 makes exact everywhere, so native and
 * Wasm agree to the bit; the checksum hashes the final state. */
#include "common.h"
#include <math.h>

#define BODIES 320
#define SOFTENING 0.01
#define DT 0.001

typedef struct {
  double x[BODIES], y[BODIES], z[BODIES];
  double vx[BODIES], vy[BODIES], vz[BODIES];
  double m[BODIES];
} System;

static System sys;

static void step(System *s) {
  for (int i = 0; i < BODIES; ++i) {
    double ax = 0.0, ay = 0.0, az = 0.0;
    double xi = s->x[i], yi = s->y[i], zi = s->z[i];
    for (int j = 0; j < BODIES; ++j) {
      double dx = s->x[j] - xi, dy = s->y[j] - yi, dz = s->z[j] - zi;
      double d2 = dx * dx + dy * dy + dz * dz + SOFTENING * SOFTENING;
      double inv = 1.0 / (d2 * sqrt(d2));
      double f = s->m[j] * inv;
      ax += f * dx;
      ay += f * dy;
      az += f * dz;
    }
    s->vx[i] += DT * ax;
    s->vy[i] += DT * ay;
    s->vz[i] += DT * az;
  }
  for (int i = 0; i < BODIES; ++i) {
    s->x[i] += DT * s->vx[i];
    s->y[i] += DT * s->vy[i];
    s->z[i] += DT * s->vz[i];
  }
}

static double energy(const System *s) {
  double e = 0.0;
  for (int i = 0; i < BODIES; ++i) {
    e += 0.5 * s->m[i] * (s->vx[i] * s->vx[i] + s->vy[i] * s->vy[i] + s->vz[i] * s->vz[i]);
    for (int j = i + 1; j < BODIES; ++j) {
      double dx = s->x[i] - s->x[j], dy = s->y[i] - s->y[j], dz = s->z[i] - s->z[j];
      e -= s->m[i] * s->m[j] / sqrt(dx * dx + dy * dy + dz * dz + SOFTENING * SOFTENING);
    }
  }
  return e;
}

int main(int argc, char **argv) {
  int steps = bench_reps(argc, argv, 2000);
  rng_seed(10);
  for (int i = 0; i < BODIES; ++i) {
    sys.x[i] = rng_unit() * 2.0 - 1.0;
    sys.y[i] = rng_unit() * 2.0 - 1.0;
    sys.z[i] = (rng_unit() * 2.0 - 1.0) * 0.1;
    /* roughly circular motion around the centre, plus noise */
    sys.vx[i] = -sys.y[i] * 0.5 + (rng_unit() - 0.5) * 0.05;
    sys.vy[i] = sys.x[i] * 0.5 + (rng_unit() - 0.5) * 0.05;
    sys.vz[i] = (rng_unit() - 0.5) * 0.01;
    sys.m[i] = (0.5 + rng_unit()) / BODIES;
  }
  double e0 = energy(&sys);
  for (int s = 0; s < steps; ++s) step(&sys);
  double e1 = energy(&sys);
  uint64_t h = HASH_INIT;
  for (int i = 0; i < BODIES; ++i) {
    h = hash_double(h, sys.x[i]);
    h = hash_double(h, sys.y[i]);
    h = hash_double(h, sys.z[i]);
    h = hash_double(h, sys.vx[i]);
  }
  printf("nbody bodies=%d steps=%d e0=%.9e e1=%.9e hash=%016llx\n", BODIES, steps, e0, e1,
         (unsigned long long)h);
  return 0;
}
