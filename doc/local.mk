dist_man_MANS += doc/apitoken.1 doc/apitoken.conf.5 doc/pam_apitoken.8
