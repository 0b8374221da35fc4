// The parts of libsystemd Madoguchi uses: socket activation and service notification.
#include <systemd/sd-daemon.h>
