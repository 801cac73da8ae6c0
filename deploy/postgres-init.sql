-- One database per service (DESIGN §5): each service owns its own tables.
CREATE DATABASE tsunagu_auth;
CREATE DATABASE tsunagu_cases;
CREATE DATABASE tsunagu_referrals;
CREATE DATABASE tsunagu_reports;
CREATE DATABASE tsunagu_line;
