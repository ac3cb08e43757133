// Ticks: the timer interrupt's heartbeat, HZ times a second.
#pragma once
#include <cstdint>
#include "spinlock.hh"

namespace kernel {

constexpr uint64_t HZ = 100;

extern spinlock tickslock;
extern uint64_t ticks; // guarded by tickslock; sleepers on &ticks wake each tick

void clock_tick(); // called by the timer interrupt on every hart

} // namespace kernel
