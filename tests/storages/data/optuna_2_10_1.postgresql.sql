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
    study_name character varying(512) NOT NULL
);
CREATE SEQUENCE public.studies_study_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.studies_study_id_seq OWNED BY public.studies.study_id;
CREATE TABLE public.study_directions (
    study_direction_id integer NOT NULL,
    direction public.studydirection NOT NULL,
    study_id integer NOT NULL,
    objective integer NOT NULL
);
CREATE SEQUENCE public.study_directions_study_direction_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.study_directions_study_direction_id_seq OWNED BY public.study_directions.study_direction_id;
CREATE TABLE public.study_system_attributes (
    study_system_attribute_id integer NOT NULL,
    study_id integer,
    key character varying(512),
    value_json text
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
    value_json text
);
CREATE SEQUENCE public.study_user_attributes_study_user_attribute_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.study_user_attributes_study_user_attribute_id_seq OWNED BY public.study_user_attributes.study_user_attribute_id;
CREATE TABLE public.trial_heartbeats (
    trial_heartbeat_id integer NOT NULL,
    trial_id integer NOT NULL,
    heartbeat timestamp without time zone NOT NULL
);
CREATE SEQUENCE public.trial_heartbeats_trial_heartbeat_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.trial_heartbeats_trial_heartbeat_id_seq OWNED BY public.trial_heartbeats.trial_heartbeat_id;
CREATE TABLE public.trial_intermediate_values (
    trial_intermediate_value_id integer NOT NULL,
    trial_id integer NOT NULL,
    step integer NOT NULL,
    intermediate_value double precision NOT NULL
);
CREATE SEQUENCE public.trial_intermediate_values_trial_intermediate_value_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.trial_intermediate_values_trial_intermediate_value_id_seq OWNED BY public.trial_intermediate_values.trial_intermediate_value_id;
CREATE TABLE public.trial_params (
    param_id integer NOT NULL,
    trial_id integer,
    param_name character varying(512),
    param_value double precision,
    distribution_json text
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
    value_json text
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
    value_json text
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
    trial_id integer NOT NULL,
    objective integer NOT NULL,
    value double precision NOT NULL
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
    number integer,
    study_id integer,
    state public.trialstate NOT NULL,
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
ALTER TABLE ONLY public.study_directions ALTER COLUMN study_direction_id SET DEFAULT nextval('public.study_directions_study_direction_id_seq'::regclass);
ALTER TABLE ONLY public.study_system_attributes ALTER COLUMN study_system_attribute_id SET DEFAULT nextval('public.study_system_attributes_study_system_attribute_id_seq'::regclass);
ALTER TABLE ONLY public.study_user_attributes ALTER COLUMN study_user_attribute_id SET DEFAULT nextval('public.study_user_attributes_study_user_attribute_id_seq'::regclass);
ALTER TABLE ONLY public.trial_heartbeats ALTER COLUMN trial_heartbeat_id SET DEFAULT nextval('public.trial_heartbeats_trial_heartbeat_id_seq'::regclass);
ALTER TABLE ONLY public.trial_intermediate_values ALTER COLUMN trial_intermediate_value_id SET DEFAULT nextval('public.trial_intermediate_values_trial_intermediate_value_id_seq'::regclass);
ALTER TABLE ONLY public.trial_params ALTER COLUMN param_id SET DEFAULT nextval('public.trial_params_param_id_seq'::regclass);
ALTER TABLE ONLY public.trial_system_attributes ALTER COLUMN trial_system_attribute_id SET DEFAULT nextval('public.trial_system_attributes_trial_system_attribute_id_seq'::regclass);
ALTER TABLE ONLY public.trial_user_attributes ALTER COLUMN trial_user_attribute_id SET DEFAULT nextval('public.trial_user_attributes_trial_user_attribute_id_seq'::regclass);
ALTER TABLE ONLY public.trial_values ALTER COLUMN trial_value_id SET DEFAULT nextval('public.trial_values_trial_value_id_seq'::regclass);
ALTER TABLE ONLY public.trials ALTER COLUMN trial_id SET DEFAULT nextval('public.trials_trial_id_seq'::regclass);
INSERT INTO public.alembic_version VALUES ('v2.6.0.a');
INSERT INTO public.studies VALUES (1, 'single');
INSERT INTO public.studies VALUES (2, 'multi');
INSERT INTO public.study_directions VALUES (1, 'MINIMIZE', 1, 0);
INSERT INTO public.study_directions VALUES (2, 'MINIMIZE', 2, 0);
INSERT INTO public.study_directions VALUES (3, 'MAXIMIZE', 2, 1);
INSERT INTO public.study_system_attributes VALUES (1, 1, 'origin', '{"tool": "make_old_dbs"}');
INSERT INTO public.study_user_attributes VALUES (1, 1, 'dataset', '"iris"');
INSERT INTO public.study_user_attributes VALUES (2, 1, 'sizes', '[1, 2, 3]');
INSERT INTO public.study_user_attributes VALUES (3, 2, 'kind', '"pareto"');
INSERT INTO public.trial_intermediate_values VALUES (1, 1, 0, 4.664131848674301);
INSERT INTO public.trial_intermediate_values VALUES (2, 1, 1, 5.664131848674301);
INSERT INTO public.trial_intermediate_values VALUES (3, 1, 2, 6.664131848674301);
INSERT INTO public.trial_intermediate_values VALUES (4, 2, 0, 'Infinity');
INSERT INTO public.trial_intermediate_values VALUES (5, 2, 1, '-Infinity');
INSERT INTO public.trial_intermediate_values VALUES (6, 2, 2, 2.5);
INSERT INTO public.trial_intermediate_values VALUES (7, 3, 0, 1.5);
INSERT INTO public.trial_intermediate_values VALUES (8, 3, 3, 0.5);
INSERT INTO public.trial_intermediate_values VALUES (9, 5, 0, 3.4028234663852886e+38);
INSERT INTO public.trial_intermediate_values VALUES (10, 5, 1, -3.4028234663852886e+38);
INSERT INTO public.trial_intermediate_values VALUES (11, 5, 2, 1e+17);
INSERT INTO public.trial_intermediate_values VALUES (12, 6, 0, -1e+17);
INSERT INTO public.trial_intermediate_values VALUES (13, 8, 0, 'NaN');
INSERT INTO public.trial_intermediate_values VALUES (14, 8, 1, 1);
INSERT INTO public.trial_params VALUES (1, 1, 'u', -0.165955990594852, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (2, 1, 'lu', 0.14486833887239342, '{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (3, 1, 'du', 0, '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}');
INSERT INTO public.trial_params VALUES (4, 1, 'i', 4, '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 10, "step": 1}}');
INSERT INTO public.trial_params VALUES (5, 1, 'i_step', 0, '{"name": "IntUniformDistribution", "attributes": {"low": 0, "high": 20, "step": 5}}');
INSERT INTO public.trial_params VALUES (6, 1, 'i_log', 1, '{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 100, "step": 1}}');
INSERT INTO public.trial_params VALUES (7, 1, 'c', 3, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (8, 1, 'f', 0.6852195003967595, '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (9, 2, 'u', -0.5910955005369651, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (10, 2, 'lu', 0.43087600478391286, '{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (11, 2, 'du', 0, '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}');
INSERT INTO public.trial_params VALUES (12, 2, 'i', 7, '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 10, "step": 1}}');
INSERT INTO public.trial_params VALUES (13, 2, 'i_step', 10, '{"name": "IntUniformDistribution", "attributes": {"low": 0, "high": 20, "step": 5}}');
INSERT INTO public.trial_params VALUES (14, 2, 'i_log', 10, '{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 100, "step": 1}}');
INSERT INTO public.trial_params VALUES (15, 2, 'c', 3, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (16, 2, 'f', 0.6923226156693141, '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (17, 3, 'u', 0.7527783045920766, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (18, 3, 'lu', 0.48285862185544626, '{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (19, 3, 'du', 0, '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}');
INSERT INTO public.trial_params VALUES (20, 3, 'i', 1, '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 10, "step": 1}}');
INSERT INTO public.trial_params VALUES (21, 3, 'i_step', 0, '{"name": "IntUniformDistribution", "attributes": {"low": 0, "high": 20, "step": 5}}');
INSERT INTO public.trial_params VALUES (22, 3, 'i_log', 53, '{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 100, "step": 1}}');
INSERT INTO public.trial_params VALUES (23, 3, 'c', 2, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (24, 3, 'f', 0.31551563100606295, '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (25, 4, 'u', 0.3730018553631673, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (26, 4, 'lu', 0.31906341975134206, '{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (27, 4, 'du', 0, '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}');
INSERT INTO public.trial_params VALUES (28, 4, 'i', 8, '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 10, "step": 1}}');
INSERT INTO public.trial_params VALUES (29, 4, 'i_step', 20, '{"name": "IntUniformDistribution", "attributes": {"low": 0, "high": 20, "step": 5}}');
INSERT INTO public.trial_params VALUES (30, 4, 'i_log', 26, '{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 100, "step": 1}}');
INSERT INTO public.trial_params VALUES (31, 4, 'c', 1, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (32, 4, 'f', 0.2936141483736795, '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (33, 5, 'u', -0.4244493228273025, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (34, 5, 'lu', 0.0024551934474363237, '{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (35, 5, 'du', 0, '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}');
INSERT INTO public.trial_params VALUES (36, 5, 'i', 7, '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 10, "step": 1}}');
INSERT INTO public.trial_params VALUES (37, 5, 'i_step', 5, '{"name": "IntUniformDistribution", "attributes": {"low": 0, "high": 20, "step": 5}}');
INSERT INTO public.trial_params VALUES (38, 5, 'i_log', 2, '{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 100, "step": 1}}');
INSERT INTO public.trial_params VALUES (39, 5, 'c', 1, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (40, 5, 'f', 0.6997583600209312, '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (41, 6, 'u', -0.7953311423443483, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (42, 6, 'lu', 0.01746497480493916, '{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (43, 6, 'du', 0.75, '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}');
INSERT INTO public.trial_params VALUES (44, 6, 'i', 5, '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 10, "step": 1}}');
INSERT INTO public.trial_params VALUES (45, 6, 'i_step', 0, '{"name": "IntUniformDistribution", "attributes": {"low": 0, "high": 20, "step": 5}}');
INSERT INTO public.trial_params VALUES (46, 6, 'i_log', 9, '{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 100, "step": 1}}');
INSERT INTO public.trial_params VALUES (47, 6, 'c', 2, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (48, 6, 'f', 0.13747470414623753, '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (49, 7, 'u', -0.7214473054984829, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (50, 7, 'lu', 0.26434668351371066, '{"name": "LogUniformDistribution", "attributes": {"low": 0.001, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (51, 7, 'du', 0.25, '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}');
INSERT INTO public.trial_params VALUES (52, 7, 'i', 2, '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 10, "step": 1}}');
INSERT INTO public.trial_params VALUES (53, 7, 'i_step', 20, '{"name": "IntUniformDistribution", "attributes": {"low": 0, "high": 20, "step": 5}}');
INSERT INTO public.trial_params VALUES (54, 7, 'i_log', 3, '{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 100, "step": 1}}');
INSERT INTO public.trial_params VALUES (55, 7, 'c', 2, '{"name": "CategoricalDistribution", "attributes": {"choices": ["a", 1, null, 2.5, true]}}');
INSERT INTO public.trial_params VALUES (56, 7, 'f', 0.34889834197784253, '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (57, 8, 'u', -0.46014421646994785, '{"name": "UniformDistribution", "attributes": {"low": -1.0, "high": 1.0}}');
INSERT INTO public.trial_params VALUES (58, 10, 'x', 2.179974510710019, '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 5.0}}');
INSERT INTO public.trial_params VALUES (59, 10, 'y', -3, '{"name": "IntUniformDistribution", "attributes": {"low": -3, "high": 3, "step": 1}}');
INSERT INTO public.trial_params VALUES (60, 11, 'x', 2.7483123893935457, '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 5.0}}');
INSERT INTO public.trial_params VALUES (63, 12, 'y', -1, '{"name": "IntUniformDistribution", "attributes": {"low": -3, "high": 3, "step": 1}}');
INSERT INTO public.trial_params VALUES (64, 13, 'x', 1.0232431701892124, '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 5.0}}');
INSERT INTO public.trial_params VALUES (61, 11, 'y', 0, '{"name": "IntUniformDistribution", "attributes": {"low": -3, "high": 3, "step": 1}}');
INSERT INTO public.trial_params VALUES (62, 12, 'x', 2.101839010437445, '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 5.0}}');
INSERT INTO public.trial_params VALUES (65, 13, 'y', 1, '{"name": "IntUniformDistribution", "attributes": {"low": -3, "high": 3, "step": 1}}');
INSERT INTO public.trial_system_attributes VALUES (1, 1, 'sys', '[0, "s"]');
INSERT INTO public.trial_system_attributes VALUES (2, 2, 'sys', '[1, "s"]');
INSERT INTO public.trial_system_attributes VALUES (3, 3, 'sys', '[2, "s"]');
INSERT INTO public.trial_system_attributes VALUES (4, 4, 'sys', '[3, "s"]');
INSERT INTO public.trial_system_attributes VALUES (5, 5, 'sys', '[4, "s"]');
INSERT INTO public.trial_system_attributes VALUES (6, 6, 'sys', '[5, "s"]');
INSERT INTO public.trial_system_attributes VALUES (7, 7, 'sys', '[6, "s"]');
INSERT INTO public.trial_system_attributes VALUES (8, 9, 'fixed_params', '{"u": 0.25, "i": 3}');
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
INSERT INTO public.trial_values VALUES (1, 1, 0, 4.664131848674301);
INSERT INTO public.trial_values VALUES (2, 2, 0, 'Infinity');
INSERT INTO public.trial_values VALUES (3, 3, 0, 0.5);
INSERT INTO public.trial_values VALUES (4, 5, 0, -3.4028234663852886e+38);
INSERT INTO public.trial_values VALUES (5, 6, 0, 1e+17);
INSERT INTO public.trial_values VALUES (6, 7, 0, 2.1417977199930704);
INSERT INTO public.trial_values VALUES (7, 8, 0, 3);
INSERT INTO public.trial_values VALUES (8, 10, 0, -0.8200254892899812);
INSERT INTO public.trial_values VALUES (9, 10, 1, -6.539923532130056);
INSERT INTO public.trial_values VALUES (10, 11, 0, 2.7483123893935457);
INSERT INTO public.trial_values VALUES (11, 11, 1, 0);
INSERT INTO public.trial_values VALUES (12, 13, 0, 2.0232431701892124);
INSERT INTO public.trial_values VALUES (13, 13, 1, 1.0232431701892124);
INSERT INTO public.trials VALUES (1, 0, 1, 'COMPLETE', '2026-11-28 14:53:50.359136', '2026-11-28 14:53:50.46215');
INSERT INTO public.trials VALUES (2, 1, 1, 'COMPLETE', '2026-11-28 14:53:50.475456', '2026-11-28 14:53:50.553322');
INSERT INTO public.trials VALUES (3, 2, 1, 'PRUNED', '2026-11-28 14:53:50.563731', '2026-11-28 14:53:50.632851');
INSERT INTO public.trials VALUES (4, 3, 1, 'FAIL', '2026-11-28 14:53:50.641445', '2026-11-28 14:53:50.706155');
INSERT INTO public.trials VALUES (5, 4, 1, 'COMPLETE', '2026-11-28 14:53:50.712753', '2026-11-28 14:53:50.777681');
INSERT INTO public.trials VALUES (6, 5, 1, 'COMPLETE', '2026-11-28 14:53:50.788387', '2026-11-28 14:53:50.848063');
INSERT INTO public.trials VALUES (7, 6, 1, 'COMPLETE', '2026-11-28 14:53:50.858053', '2026-11-28 14:53:50.91617');
INSERT INTO public.trials VALUES (8, 7, 1, 'COMPLETE', '2026-11-28 14:53:50.92413', '2026-11-28 14:53:50.942492');
INSERT INTO public.trials VALUES (9, 8, 1, 'WAITING', NULL, NULL);
INSERT INTO public.trials VALUES (10, 0, 2, 'COMPLETE', '2026-11-28 14:53:51.028141', '2026-11-28 14:53:51.04895');
INSERT INTO public.trials VALUES (11, 1, 2, 'COMPLETE', '2026-11-28 14:53:51.064344', '2026-11-28 14:53:51.078461');
INSERT INTO public.trials VALUES (12, 2, 2, 'FAIL', '2026-11-28 14:53:51.092578', '2026-11-28 14:53:51.104515');
INSERT INTO public.trials VALUES (13, 3, 2, 'COMPLETE', '2026-11-28 14:53:51.114496', '2026-11-28 14:53:51.126869');
INSERT INTO public.version_info VALUES (1, 12, '2.10.1');
SELECT pg_catalog.setval('public.studies_study_id_seq', 2, true);
SELECT pg_catalog.setval('public.study_directions_study_direction_id_seq', 3, true);
SELECT pg_catalog.setval('public.study_system_attributes_study_system_attribute_id_seq', 1, true);
SELECT pg_catalog.setval('public.study_user_attributes_study_user_attribute_id_seq', 3, true);
SELECT pg_catalog.setval('public.trial_heartbeats_trial_heartbeat_id_seq', 1, false);
SELECT pg_catalog.setval('public.trial_intermediate_values_trial_intermediate_value_id_seq', 14, true);
SELECT pg_catalog.setval('public.trial_params_param_id_seq', 65, true);
SELECT pg_catalog.setval('public.trial_system_attributes_trial_system_attribute_id_seq', 8, true);
SELECT pg_catalog.setval('public.trial_user_attributes_trial_user_attribute_id_seq', 14, true);
SELECT pg_catalog.setval('public.trial_values_trial_value_id_seq', 13, true);
SELECT pg_catalog.setval('public.trials_trial_id_seq', 13, true);
ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);
ALTER TABLE ONLY public.studies
    ADD CONSTRAINT studies_pkey PRIMARY KEY (study_id);
ALTER TABLE ONLY public.study_directions
    ADD CONSTRAINT study_directions_pkey PRIMARY KEY (study_direction_id);
ALTER TABLE ONLY public.study_directions
    ADD CONSTRAINT study_directions_study_id_objective_key UNIQUE (study_id, objective);
ALTER TABLE ONLY public.study_system_attributes
    ADD CONSTRAINT study_system_attributes_pkey PRIMARY KEY (study_system_attribute_id);
ALTER TABLE ONLY public.study_system_attributes
    ADD CONSTRAINT study_system_attributes_study_id_key_key UNIQUE (study_id, key);
ALTER TABLE ONLY public.study_user_attributes
    ADD CONSTRAINT study_user_attributes_pkey PRIMARY KEY (study_user_attribute_id);
ALTER TABLE ONLY public.study_user_attributes
    ADD CONSTRAINT study_user_attributes_study_id_key_key UNIQUE (study_id, key);
ALTER TABLE ONLY public.trial_heartbeats
    ADD CONSTRAINT trial_heartbeats_pkey PRIMARY KEY (trial_heartbeat_id);
ALTER TABLE ONLY public.trial_heartbeats
    ADD CONSTRAINT trial_heartbeats_trial_id_key UNIQUE (trial_id);
ALTER TABLE ONLY public.trial_intermediate_values
    ADD CONSTRAINT trial_intermediate_values_pkey PRIMARY KEY (trial_intermediate_value_id);
ALTER TABLE ONLY public.trial_intermediate_values
    ADD CONSTRAINT trial_intermediate_values_trial_id_step_key UNIQUE (trial_id, step);
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
    ADD CONSTRAINT trial_values_trial_id_objective_key UNIQUE (trial_id, objective);
ALTER TABLE ONLY public.trials
    ADD CONSTRAINT trials_pkey PRIMARY KEY (trial_id);
ALTER TABLE ONLY public.version_info
    ADD CONSTRAINT version_info_pkey PRIMARY KEY (version_info_id);
CREATE UNIQUE INDEX ix_studies_study_name ON public.studies USING btree (study_name);
ALTER TABLE ONLY public.study_directions
    ADD CONSTRAINT study_directions_study_id_fkey FOREIGN KEY (study_id) REFERENCES public.studies(study_id);
ALTER TABLE ONLY public.study_system_attributes
    ADD CONSTRAINT study_system_attributes_study_id_fkey FOREIGN KEY (study_id) REFERENCES public.studies(study_id);
ALTER TABLE ONLY public.study_user_attributes
    ADD CONSTRAINT study_user_attributes_study_id_fkey FOREIGN KEY (study_id) REFERENCES public.studies(study_id);
ALTER TABLE ONLY public.trial_heartbeats
    ADD CONSTRAINT trial_heartbeats_trial_id_fkey FOREIGN KEY (trial_id) REFERENCES public.trials(trial_id);
ALTER TABLE ONLY public.trial_intermediate_values
    ADD CONSTRAINT trial_intermediate_values_trial_id_fkey FOREIGN KEY (trial_id) REFERENCES public.trials(trial_id);
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
