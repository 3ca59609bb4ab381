/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every test includes: cmocka and its prerequisites, in the order cmocka needs. */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
