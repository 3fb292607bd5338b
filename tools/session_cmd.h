/* iommulab's session commands (tools/session_cmd.c): argv[0] is the command's name. */
#ifndef IOMMULAB_TOOLS_SESSION_CMD_H
#define IOMMULAB_TOOLS_SESSION_CMD_H

int session_up_main(int argc, char **argv);
int session_exec_main(int argc, char **argv);
int session_shell_main(int argc, char **argv);
int session_down_main(int argc, char **argv);
int session_kmod_main(int argc, char **argv);

#endif
