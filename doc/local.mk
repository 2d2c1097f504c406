dist_man_MANS += doc/apitoken.1 doc/pam_apitoken.8
