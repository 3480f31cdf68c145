#!/usr/bin/env python3
"""Independent reference results for the sizes Mix.som uses beyond the published AWFY ones.

Mandelbrot and NBody only publish verification values for their standard sizes
(Mandelbrot 1/500/750, NBody 1/250000 steps), which are either trivial or far too long for
a mixed warm-up workload. This script is a straight port of bench/awfy/Mandelbrot.som and
bench/awfy/NBody/*.som to Python (same evaluation order; Python floats are IEEE-754 doubles
with correctly rounded + - * / and sqrt), so the values it prints are exact and do not come
from the VM under test. It checks itself against the published values first.

Usage: bench/workload/reference.py [mandelbrot sizes...] [--nbody steps...]
"""
import math
import sys


def mandelbrot(size):
    total = 0
    bits = 0
    bit_count = 0
    for y in range(size):
        ci = (2.0 * y / size) - 1.0
        for x in range(size):
            zr2 = zi = zi2 = 0.0
            cr = (2.0 * x / size) - 1.5
            it = 0
            escaped = 0
            while escaped == 0 and it < 50:
                zr = zr2 - zi2 + cr
                zi = 2.0 * zr * zi + ci
                zr2 = zr * zr
                zi2 = zi * zi
                if zr2 + zi2 > 4.0:
                    escaped = 1
                it += 1
            bits = (bits << 1) + escaped
            bit_count += 1
            if bit_count == 8:
                total ^= bits
                bits = 0
                bit_count = 0
            elif x == size - 1:
                bits = bits << (8 - bit_count)
                total ^= bits
                bits = 0
                bit_count = 0
    return total


PI = 3.141592653589793
SOLAR_MASS = 4 * PI * PI
DAYS_PER_YEAR = 365.24


def planet(x, y, z, vx, vy, vz, m):
    return [x, y, z, vx * DAYS_PER_YEAR, vy * DAYS_PER_YEAR, vz * DAYS_PER_YEAR, m * SOLAR_MASS]


def nbody_system():
    bodies = [
        planet(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
        planet(4.8414314424647209, -1.16032004402742839, -0.103622044471123109,
               0.00166007664274403694, 0.00769901118419740425, -0.0000690460016972063023,
               0.000954791938424326609),
        planet(8.34336671824457987, 4.12479856412430479, -0.403523417114321381,
               -0.00276742510726862411, 0.00499852801234917238, 0.0000230417297573763929,
               0.000285885980666130812),
        planet(12.894369562139131, -15.1111514016986312, -0.223307578892655734,
               0.00296460137564761618, 0.0023784717395948095, -0.0000296589568540237556,
               0.0000436624404335156298),
        planet(15.3796971148509165, -25.9193146099879641, 0.179258772950371181,
               0.00268067772490389322, 0.00162824170038242295, -0.000095159225451971587,
               0.0000515138902046611451),
    ]
    px = py = pz = 0.0
    for b in bodies:
        px = px + (b[3] * b[6])
        py = py + (b[4] * b[6])
        pz = pz + (b[5] * b[6])
    sun = bodies[0]
    sun[3] = 0.0 - (px / SOLAR_MASS)
    sun[4] = 0.0 - (py / SOLAR_MASS)
    sun[5] = 0.0 - (pz / SOLAR_MASS)
    return bodies


def advance(bodies, dt):
    n = len(bodies)
    for i in range(n):
        a = bodies[i]
        for j in range(i + 1, n):
            b = bodies[j]
            dx = a[0] - b[0]
            dy = a[1] - b[1]
            dz = a[2] - b[2]
            d2 = (dx * dx) + (dy * dy) + (dz * dz)
            dist = math.sqrt(d2)
            mag = dt / (d2 * dist)
            a[3] = a[3] - (dx * b[6] * mag)
            a[4] = a[4] - (dy * b[6] * mag)
            a[5] = a[5] - (dz * b[6] * mag)
            b[3] = b[3] + (dx * a[6] * mag)
            b[4] = b[4] + (dy * a[6] * mag)
            b[5] = b[5] + (dz * a[6] * mag)
    for b in bodies:
        b[0] = b[0] + (dt * b[3])
        b[1] = b[1] + (dt * b[4])
        b[2] = b[2] + (dt * b[5])


def energy(bodies):
    e = 0.0
    n = len(bodies)
    for i in range(n):
        a = bodies[i]
        e = e + (0.5 * a[6] * ((a[3] * a[3]) + (a[4] * a[4]) + (a[5] * a[5])))
        for j in range(i + 1, n):
            b = bodies[j]
            dx = a[0] - b[0]
            dy = a[1] - b[1]
            dz = a[2] - b[2]
            e = e - ((a[6] * b[6]) / math.sqrt((dx * dx) + (dy * dy) + (dz * dz)))
    return e


def nbody(steps):
    bodies = nbody_system()
    for _ in range(steps):
        advance(bodies, 0.01)
    return energy(bodies)



if __name__ == "__main__":
    sizes = []
    steps = []
    dest = sizes
    for arg in sys.argv[1:]:
        if arg == "--nbody":
            dest = steps
            continue
        dest.append(int(arg))
    if not sizes and not steps:
        sizes = [100]
        steps = [1000]
    assert mandelbrot(1) == 128, "port of Mandelbrot does not reproduce the published value"
    assert nbody(1) == -0.16907495402506745, "port of NBody does not reproduce the published value"
    for s in sizes:
        print(f"Mandelbrot {s}: {mandelbrot(s)}")
    for s in steps:
        print(f"NBody {s}: {repr(nbody(s))}")
