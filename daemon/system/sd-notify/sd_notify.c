/*
 * sd_notify for Node.js: Node has no AF_UNIX datagram sockets, and the
 * alternative (spawning systemd-notify) needs NotifyAccess=all and races
 * with the child's exit. This N-API addon sends one datagram from the
 * daemon's own PID. It exports one function:
 *   send(socketPath: string, message: string): number  // 0, or -errno
 * A socket path starting with '@' is in the abstract namespace.
 */
#include <errno.h>
#include <node_api.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static napi_value send_notify(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_value result;
  char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
  char message[4096];
  size_t path_len = 0, message_len = 0;
  int rc = 0;

  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "send(socketPath, message) expects two strings");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof(path), &path_len) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], message, sizeof(message), &message_len) != napi_ok) {
    napi_throw_type_error(env, NULL, "send(socketPath, message) expects two strings");
    return NULL;
  }
  if (path_len == 0 || path_len >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
    rc = -EINVAL;
  } else {
    struct sockaddr_un addr;
    socklen_t addr_len;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      rc = -errno;
    } else {
      memset(&addr, 0, sizeof(addr));
      addr.sun_family = AF_UNIX;
      memcpy(addr.sun_path, path, path_len);
      if (path[0] == '@') addr.sun_path[0] = '\0';
      addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len + (path[0] == '@' ? 0 : 1));
      if (sendto(fd, message, message_len, MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_len) < 0) rc = -errno;
      close(fd);
    }
  }
  napi_create_int32(env, rc, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "send", NAPI_AUTO_LENGTH, send_notify, NULL, &fn);
  napi_set_named_property(env, exports, "send", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
