SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;
CREATE TYPE public.studydirection AS ENUM (
    'NOT_SET',
    'MINIMIZE',
    'MAXIMIZE'
);
CREATE TYPE public.trialstate AS ENUM (
    'RUNNING',
    'COMPLETE',
    'PRUNED',
    'FAIL',
    'WAITING'
);
SET default_tablespace = '';
SET default_table_access_method = heap;
CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);
CREATE TABLE public.studies (
    study_id integer NOT NULL,
    study_name character varying(512) NOT NULL,
    direction public.studydirection NOT NULL
);
CREATE SEQUENCE public.studies_study_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.studies_study_id_seq OWNED BY public.studies.study_id;
CREATE TABLE public.study_system_attributes (
    study_system_attribute_id integer NOT NULL,
    study_id integer,
    key character varying(512),
    value_json character varying(2048)
);
CREATE SEQUENCE public.study_system_attributes_study_system_attribute_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.study_system_attributes_study_system_attribute_id_seq OWNED BY public.study_system_attributes.study_system_attribute_id;
CREATE TABLE public.study_user_attributes (
    study_user_attribute_id integer NOT NULL,
    study_id integer,
    key character varying(512),
    value_json character varying(2048)
);
CREATE SEQUENCE public.study_user_attributes_study_user_attribute_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.study_user_attributes_study_user_attribute_id_seq OWNED BY public.study_user_attributes.study_user_attribute_id;
CREATE TABLE public.trial_params (
    param_id integer NOT NULL,
    trial_id integer,
    param_name character varying(512),
    param_value double precision,
    distribution_json character varying(2048)
);
CREATE SEQUENCE public.trial_params_param_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.trial_params_param_id_seq OWNED BY public.trial_params.param_id;
CREATE TABLE public.trial_system_attributes (
    trial_system_attribute_id integer NOT NULL,
    trial_id integer,
    key character varying(512),
    value_json character varying(2048)
);
CREATE SEQUENCE public.trial_system_attributes_trial_system_attribute_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.trial_system_attributes_trial_system_attribute_id_seq OWNED BY public.trial_system_attributes.trial_system_attribute_id;
CREATE TABLE public.trial_user_attributes (
    trial_user_attribute_id integer NOT NULL,
    trial_id integer,
    key character varying(512),
    value_json character varying(2048)
);
CREATE SEQUENCE public.trial_user_attributes_trial_user_attribute_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.trial_user_attributes_trial_user_attribute_id_seq OWNED BY public.trial_user_attributes.trial_user_attribute_id;
CREATE TABLE public.trial_values (
    trial_value_id integer NOT NULL,
    trial_id integer,
    step integer,
    value double precision
);
CREATE SEQUENCE public.trial_values_trial_value_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.trial_values_trial_value_id_seq OWNED BY public.trial_values.trial_value_id;
CREATE TABLE public.trials (
    trial_id integer NOT NULL,
    study_id integer,
    state public.trialstate NOT NULL,
    value double precision,
    datetime_start timestamp without time zone,
    datetime_complete timestamp without time zone
);
CREATE SEQUENCE public.trials_trial_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.trials_trial_id_seq OWNED BY public.trials.trial_id;
CREATE TABLE public.version_info (
    version_info_id integer NOT NULL,
    schema_version integer,
    library_version character varying(256),
    CONSTRAINT version_info_version_info_id_check CHECK ((version_info_id = 1))
);
ALTER TABLE ONLY public.studies ALTER COLUMN study_id SET DEFAULT nextval('public.studies_study_id_seq'::regclass);
ALTER TABLE ONLY public.study_system_attributes ALTER COLUMN study_system_attribute_id SET DEFAULT nextval('public.study_system_attributes_study_system_attribute_id_seq'::regclass);
ALTER TABLE ONLY public.study_user_attributes ALTER COLUMN study_user_attribute_id SET DEFAULT nextval('public.study_user_attributes_study_user_attribute_id_seq'::regclass);
ALTER TABLE ONLY public.trial_params ALTER COLUMN param_id SET DEFAULT nextval('public.trial_params_param_id_seq'::regclass);
ALTER TABLE ONLY public.trial_system_attributes ALTER COLUMN trial_system_attribute_id SET DEFAULT nextval('public.trial_system_attributes_trial_system_attribute_id_seq'::regclass);
ALTER TABLE ONLY public.trial_user_attributes ALTER COLUMN trial_user_attribute_id SET DEFAULT nextval('public.trial_user_attributes_trial_user_attribute_id_seq'::regclass);
ALTER TABLE ONLY public.trial_values ALTER COLUMN trial_value_id SET DEFAULT nextval('public.trial_values_trial_value_id_seq'::regclass);
ALTER TABLE ONLY public.trials ALTER COLUMN trial_id SET DEFAULT nextval('public.trials_trial_id_seq'::regclass);
INSERT INTO public.alembic_version VALUES ('v1.2.0.a');
INSERT INTO public.studies VALUES (1, 'minimize', 'MINIMIZE');
INSERT INTO public.studies VALUES (2, 'maximize', 'MAXIMIZE');
INSERT INTO public.studies VALUES (3, 'empty', 'MAXIMIZE');
INSERT INTO public.study_system_attributes VALUES (1, 1, 'origin', '{"tool": "make_old_optuna_dbs"}');
INSERT INTO public.study_user_attributes VALUES (1, 1, 'dataset', '"iris"');
INSERT INTO public.study_user_attributes VALUES (2, 1, 'sizes', '[1, 2, 3]');
INSERT INTO public.study_user_attributes VALUES (3, 2, 'kind', '"product"');
INSERT INTO public.trial_params VALUES (1, 1, 'u', -0.165955990594852, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (2, 1, 'lu', 0.1448683388723934, '{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (3, 1, 'du', 0, '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}');
INSERT INTO public.trial_params VALUES (4, 1, 'i', 6, '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 10}}');
INSERT INTO public.trial_params VALUES (5, 1, 'c', 0, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (6, 2, 'u', -0.8153228104624044, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (7, 2, 'lu', 0.0036206007257447385, '{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (8, 2, 'du', 0.25, '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}');
INSERT INTO public.trial_params VALUES (9, 2, 'i', 7, '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 10}}');
INSERT INTO public.trial_params VALUES (10, 2, 'c', 1, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (11, 3, 'u', 0.07763346800671389, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (12, 3, 'lu', 0.018096039818770813, '{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (13, 3, 'du', 0.75, '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}');
INSERT INTO public.trial_params VALUES (14, 3, 'i', 3, '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 10}}');
INSERT INTO public.trial_params VALUES (15, 3, 'c', 1, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (16, 4, 'u', -0.16539039526574606, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (17, 4, 'lu', 0.04743178681046319, '{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (18, 4, 'du', 0, '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}');
INSERT INTO public.trial_params VALUES (19, 4, 'i', 1, '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 10}}');
INSERT INTO public.trial_params VALUES (20, 4, 'c', 1, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (21, 5, 'u', 0.936523151438795, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (22, 5, 'lu', 0.008715103205978137, '{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (23, 5, 'du', 0.75, '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}');
INSERT INTO public.trial_params VALUES (24, 5, 'i', 2, '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 10}}');
INSERT INTO public.trial_params VALUES (25, 5, 'c', 0, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (26, 6, 'u', 0.7892133270076946, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (27, 6, 'lu', 0.0017994203765849856, '{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (28, 6, 'du', 0, '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}');
INSERT INTO public.trial_params VALUES (29, 6, 'i', 10, '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 10}}');
INSERT INTO public.trial_params VALUES (30, 6, 'c', 0, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (31, 7, 'u', -0.8033063323338998, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (32, 7, 'lu', 0.018336771578903628, '{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (33, 7, 'du', 1, '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}');
INSERT INTO public.trial_params VALUES (34, 7, 'i', 10, '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 10}}');
INSERT INTO public.trial_params VALUES (35, 7, 'c', 3, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (36, 8, 'u', 0.3837542279009467, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (37, 8, 'lu', 0.00884192634891773, '{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (38, 8, 'du', 0.75, '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}');
INSERT INTO public.trial_params VALUES (39, 8, 'i', 5, '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 10}}');
INSERT INTO public.trial_params VALUES (40, 8, 'c', 0, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (41, 9, 'u', -0.9634234453116164, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (42, 9, 'c', 1, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (43, 11, 'x', 2.179974510710019, '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 5.0}}');
INSERT INTO public.trial_params VALUES (44, 11, 'y', 2, '{"name": "IntUniformDistribution", "attributes": {"low": -3, "high": 3}}');
INSERT INTO public.trial_params VALUES (45, 12, 'x', 4.657704329105559, '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 5.0}}');
INSERT INTO public.trial_params VALUES (46, 12, 'y', 0, '{"name": "IntUniformDistribution", "attributes": {"low": -3, "high": 3}}');
INSERT INTO public.trial_params VALUES (47, 13, 'x', 2.1766119630913843, '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 5.0}}');
INSERT INTO public.trial_params VALUES (48, 13, 'y', -3, '{"name": "IntUniformDistribution", "attributes": {"low": -3, "high": 3}}');
INSERT INTO public.trial_params VALUES (49, 14, 'x', 1.6026821855580364, '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 5.0}}');
INSERT INTO public.trial_params VALUES (50, 14, 'y', -2, '{"name": "IntUniformDistribution", "attributes": {"low": -3, "high": 3}}');
INSERT INTO public.trial_system_attributes VALUES (1, 1, '_number', '0');
INSERT INTO public.trial_system_attributes VALUES (2, 1, 'sys', '[0, "s"]');
INSERT INTO public.trial_system_attributes VALUES (3, 2, '_number', '1');
INSERT INTO public.trial_system_attributes VALUES (4, 2, 'sys', '[1, "s"]');
INSERT INTO public.trial_system_attributes VALUES (5, 3, '_number', '2');
INSERT INTO public.trial_system_attributes VALUES (6, 3, 'sys', '[2, "s"]');
INSERT INTO public.trial_system_attributes VALUES (7, 4, '_number', '3');
INSERT INTO public.trial_system_attributes VALUES (8, 4, 'sys', '[3, "s"]');
INSERT INTO public.trial_system_attributes VALUES (9, 4, 'fail_reason', '"Setting status of trial#3 as TrialState.FAIL because of the following error: ValueError(''boom'')"');
INSERT INTO public.trial_system_attributes VALUES (10, 5, '_number', '4');
INSERT INTO public.trial_system_attributes VALUES (11, 5, 'sys', '[4, "s"]');
INSERT INTO public.trial_system_attributes VALUES (12, 5, 'fail_reason', '"Setting status of trial#4 as TrialState.FAIL because the objective function returned nan."');
INSERT INTO public.trial_system_attributes VALUES (13, 6, '_number', '5');
INSERT INTO public.trial_system_attributes VALUES (14, 6, 'sys', '[5, "s"]');
INSERT INTO public.trial_system_attributes VALUES (15, 7, '_number', '6');
INSERT INTO public.trial_system_attributes VALUES (16, 7, 'sys', '[6, "s"]');
INSERT INTO public.trial_system_attributes VALUES (17, 8, '_number', '7');
INSERT INTO public.trial_system_attributes VALUES (18, 8, 'sys', '[7, "s"]');
INSERT INTO public.trial_system_attributes VALUES (19, 9, '_number', '8');
INSERT INTO public.trial_system_attributes VALUES (20, 10, 'fixed_params', '{"u": 0.25, "i": 3}');
INSERT INTO public.trial_system_attributes VALUES (21, 10, '_number', '9');
INSERT INTO public.trial_system_attributes VALUES (22, 11, '_number', '0');
INSERT INTO public.trial_system_attributes VALUES (23, 12, '_number', '1');
INSERT INTO public.trial_system_attributes VALUES (24, 13, '_number', '2');
INSERT INTO public.trial_system_attributes VALUES (25, 14, '_number', '3');
INSERT INTO public.trial_user_attributes VALUES (1, 1, 'number_seen', '0');
INSERT INTO public.trial_user_attributes VALUES (2, 1, 'nested', '{"list": [1, 2.5, "x"], "none": null}');
INSERT INTO public.trial_user_attributes VALUES (3, 2, 'number_seen', '1');
INSERT INTO public.trial_user_attributes VALUES (4, 2, 'nested', '{"list": [1, 2.5, "x"], "none": null}');
INSERT INTO public.trial_user_attributes VALUES (5, 3, 'number_seen', '2');
INSERT INTO public.trial_user_attributes VALUES (6, 3, 'nested', '{"list": [1, 2.5, "x"], "none": null}');
INSERT INTO public.trial_user_attributes VALUES (7, 4, 'number_seen', '3');
INSERT INTO public.trial_user_attributes VALUES (8, 4, 'nested', '{"list": [1, 2.5, "x"], "none": null}');
INSERT INTO public.trial_user_attributes VALUES (9, 5, 'number_seen', '4');
INSERT INTO public.trial_user_attributes VALUES (10, 5, 'nested', '{"list": [1, 2.5, "x"], "none": null}');
INSERT INTO public.trial_user_attributes VALUES (11, 6, 'number_seen', '5');
INSERT INTO public.trial_user_attributes VALUES (12, 6, 'nested', '{"list": [1, 2.5, "x"], "none": null}');
INSERT INTO public.trial_user_attributes VALUES (13, 7, 'number_seen', '6');
INSERT INTO public.trial_user_attributes VALUES (14, 7, 'nested', '{"list": [1, 2.5, "x"], "none": null}');
INSERT INTO public.trial_user_attributes VALUES (15, 8, 'number_seen', '7');
INSERT INTO public.trial_user_attributes VALUES (16, 8, 'nested', '{"list": [1, 2.5, "x"], "none": null}');
INSERT INTO public.trial_user_attributes VALUES (17, 9, 'worker', '"lost"');
INSERT INTO public.trial_values VALUES (1, 1, 0, 6.478912348277541);
INSERT INTO public.trial_values VALUES (2, 1, 1, 7.478912348277541);
INSERT INTO public.trial_values VALUES (3, 1, 2, 8.478912348277541);
INSERT INTO public.trial_values VALUES (4, 2, 0, 'Infinity');
INSERT INTO public.trial_values VALUES (5, 2, 1, '-Infinity');
INSERT INTO public.trial_values VALUES (6, 2, 2, 2.5);
INSERT INTO public.trial_values VALUES (7, 3, 0, 1.5);
INSERT INTO public.trial_values VALUES (8, 3, 3, 0.5);
INSERT INTO public.trial_values VALUES (9, 6, 0, 'NaN');
INSERT INTO public.trial_values VALUES (10, 6, 1, 1);
INSERT INTO public.trial_values VALUES (11, 7, 0, -1e+17);
INSERT INTO public.trial_values VALUES (12, 9, 0, 0.75);
INSERT INTO public.trials VALUES (1, 1, 'COMPLETE', 6.478912348277541, '2026-12-02 14:23:58.922743', '2026-12-02 14:23:59.592979');
INSERT INTO public.trials VALUES (2, 1, 'COMPLETE', 'Infinity', '2026-12-02 14:23:59.654845', '2026-12-02 14:24:00.214218');
INSERT INTO public.trials VALUES (3, 1, 'PRUNED', 0.5, '2026-12-02 14:24:00.286505', '2026-12-02 14:24:00.727986');
INSERT INTO public.trials VALUES (4, 1, 'FAIL', NULL, '2026-12-02 14:24:00.943778', '2026-12-02 14:24:01.338022');
INSERT INTO public.trials VALUES (5, 1, 'FAIL', NULL, '2026-12-02 14:24:01.554534', '2026-12-02 14:24:02.107137');
INSERT INTO public.trials VALUES (6, 1, 'COMPLETE', 2, '2026-12-02 14:24:02.138389', '2026-12-02 14:24:02.660452');
INSERT INTO public.trials VALUES (7, 1, 'COMPLETE', 1e+17, '2026-12-02 14:24:02.735536', '2026-12-02 14:24:03.27906');
INSERT INTO public.trials VALUES (8, 1, 'COMPLETE', 6.642596154249865, '2026-12-02 14:24:03.342044', '2026-12-02 14:24:03.866016');
INSERT INTO public.trials VALUES (9, 1, 'RUNNING', NULL, '2026-12-02 14:24:03.896283', NULL);
INSERT INTO public.trials VALUES (10, 1, 'WAITING', NULL, '2026-12-02 14:24:04.0671', NULL);
INSERT INTO public.trials VALUES (11, 2, 'COMPLETE', 4.359949021420038, '2026-12-02 14:24:04.386661', '2026-12-02 14:24:04.837995');
INSERT INTO public.trials VALUES (12, 2, 'COMPLETE', '-Infinity', '2026-12-02 14:24:04.912129', '2026-12-02 14:24:05.33951');
INSERT INTO public.trials VALUES (13, 2, 'PRUNED', NULL, '2026-12-02 14:24:05.422473', '2026-12-02 14:24:05.637365');
INSERT INTO public.trials VALUES (14, 2, 'COMPLETE', -3.205364371116073, '2026-12-02 14:24:05.864113', '2026-12-02 14:24:06.310104');
INSERT INTO public.version_info VALUES (1, 12, '1.2.0');
SELECT pg_catalog.setval('public.studies_study_id_seq', 3, true);
SELECT pg_catalog.setval('public.study_system_attributes_study_system_attribute_id_seq', 1, true);
SELECT pg_catalog.setval('public.study_user_attributes_study_user_attribute_id_seq', 3, true);
SELECT pg_catalog.setval('public.trial_params_param_id_seq', 50, true);
SELECT pg_catalog.setval('public.trial_system_attributes_trial_system_attribute_id_seq', 25, true);
SELECT pg_catalog.setval('public.trial_user_attributes_trial_user_attribute_id_seq', 17, true);
SELECT pg_catalog.setval('public.trial_values_trial_value_id_seq', 12, true);
SELECT pg_catalog.setval('public.trials_trial_id_seq', 14, true);
ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);
ALTER TABLE ONLY public.studies
    ADD CONSTRAINT studies_pkey PRIMARY KEY (study_id);
ALTER TABLE ONLY public.study_system_attributes
    ADD CONSTRAINT study_system_attributes_pkey PRIMARY KEY (study_system_attribute_id);
ALTER TABLE ONLY public.study_system_attributes
    ADD CONSTRAINT study_system_attributes_study_id_key_key UNIQUE (study_id, key);
ALTER TABLE ONLY public.study_user_attributes
    ADD CONSTRAINT study_user_attributes_pkey PRIMARY KEY (study_user_attribute_id);
ALTER TABLE ONLY public.study_user_attributes
    ADD CONSTRAINT study_user_attributes_study_id_key_key UNIQUE (study_id, key);
ALTER TABLE ONLY public.trial_params
    ADD CONSTRAINT trial_params_pkey PRIMARY KEY (param_id);
ALTER TABLE ONLY public.trial_params
    ADD CONSTRAINT trial_params_trial_id_param_name_key UNIQUE (trial_id, param_name);
ALTER TABLE ONLY public.trial_system_attributes
    ADD CONSTRAINT trial_system_attributes_pkey PRIMARY KEY (trial_system_attribute_id);
ALTER TABLE ONLY public.trial_system_attributes
    ADD CONSTRAINT trial_system_attributes_trial_id_key_key UNIQUE (trial_id, key);
ALTER TABLE ONLY public.trial_user_attributes
    ADD CONSTRAINT trial_user_attributes_pkey PRIMARY KEY (trial_user_attribute_id);
ALTER TABLE ONLY public.trial_user_attributes
    ADD CONSTRAINT trial_user_attributes_trial_id_key_key UNIQUE (trial_id, key);
ALTER TABLE ONLY public.trial_values
    ADD CONSTRAINT trial_values_pkey PRIMARY KEY (trial_value_id);
ALTER TABLE ONLY public.trial_values
    ADD CONSTRAINT trial_values_trial_id_step_key UNIQUE (trial_id, step);
ALTER TABLE ONLY public.trials
    ADD CONSTRAINT trials_pkey PRIMARY KEY (trial_id);
ALTER TABLE ONLY public.version_info
    ADD CONSTRAINT version_info_pkey PRIMARY KEY (version_info_id);
CREATE UNIQUE INDEX ix_studies_study_name ON public.studies USING btree (study_name);
ALTER TABLE ONLY public.study_system_attributes
    ADD CONSTRAINT study_system_attributes_study_id_fkey FOREIGN KEY (study_id) REFERENCES public.studies(study_id);
ALTER TABLE ONLY public.study_user_attributes
    ADD CONSTRAINT study_user_attributes_study_id_fkey FOREIGN KEY (study_id) REFERENCES public.studies(study_id);
ALTER TABLE ONLY public.trial_params
    ADD CONSTRAINT trial_params_trial_id_fkey FOREIGN KEY (trial_id) REFERENCES public.trials(trial_id);
ALTER TABLE ONLY public.trial_system_attributes
    ADD CONSTRAINT trial_system_attributes_trial_id_fkey FOREIGN KEY (trial_id) REFERENCES public.trials(trial_id);
ALTER TABLE ONLY public.trial_user_attributes
    ADD CONSTRAINT trial_user_attributes_trial_id_fkey FOREIGN KEY (trial_id) REFERENCES public.trials(trial_id);
ALTER TABLE ONLY public.trial_values
    ADD CONSTRAINT trial_values_trial_id_fkey FOREIGN KEY (trial_id) REFERENCES public.trials(trial_id);
ALTER TABLE ONLY public.trials
    ADD CONSTRAINT trials_study_id_fkey FOREIGN KEY (study_id) REFERENCES public.studies(study_id);
