/*
 * oauth.h - `apitoken oauth ...`: named OAuth client accounts for mail
 * clients (see apitoken(1)).
 */
#ifndef ATOK_TOOLS_OAUTH_H
#define ATOK_TOOLS_OAUTH_H

/* argv[0] is "oauth".  Returns the exit status. */
int cli_oauth(const char *config, int argc, char **argv);

#endif
