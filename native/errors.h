/* SPDX-License-Identifier: Apache-2.0 */
/* Actionable error messages, and the tail of libbpf's log (the verifier's words). */
#ifndef VAJRA_ERRORS_H
#define VAJRA_ERRORS_H

#include <stddef.h>

#define VJ_ERROR_MAX 8192

/* Routes libbpf's output into a bounded in-memory tail (and stderr when VAJRA_DEBUG is set). */
void vj_capture_libbpf_log(void);
/* Forgets what this thread captured: call before an operation whose log we may need. */
void vj_clear_libbpf_log(void);
/* Copies the last `max` bytes this thread captured, starting at a line boundary. */
void vj_libbpf_log_tail(char *out, size_t out_size, size_t max);

/* "<step> failed: <error>" and the tail of libbpf's log (the verifier's reason). */
void vj_describe_failure(const char *step, int error, char *err, size_t err_size);

/* Checks that must pass before loading anything; fills `err` and returns -1 if one fails. */
int vj_check_environment(char *err, size_t err_size);

#endif
